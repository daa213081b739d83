"""Family descriptions: layers, heads, positions, and one-line refusals."""

import pytest
from transformers import BartConfig, BertConfig, DebertaV2Config, RobertaConfig, T5Config

from bertstory.engine import SUPPORTED_FAMILIES, family_for
from bertstory.errors import BertstoryError

from tiny_models import DECODERS, FAMILIES, HEADS, LAYERS, build_tiny_model, tiny_config


@pytest.mark.parametrize("family", FAMILIES)
def test_every_tiny_family_is_described(family):
    model = build_tiny_model(family, vocab_size=100)
    description = family_for(model.config)
    assert description.model_type == model.config.model_type
    assert description.name in SUPPORTED_FAMILIES
    assert description.is_causal == (family in DECODERS)
    assert description.num_layers(model) == LAYERS
    assert description.num_heads(model) == HEADS
    layers = description.layer_modules(model)
    assert len(layers) == (1 if family == "albert" else LAYERS)
    for layer in layers:
        projection = description.output_projection(layer)
        assert any(module is projection for module in layer.modules())


@pytest.mark.parametrize("config", [T5Config(), BartConfig()], ids=["t5", "bart"])
def test_unsupported_families_are_refused_in_one_line(config):
    with pytest.raises(BertstoryError) as error:
        family_for(config)
    message = str(error.value)
    assert "\n" not in message
    assert repr(config.model_type) in message
    assert SUPPORTED_FAMILIES in message


def test_deberta_convolution_is_refused_in_one_line():
    with pytest.raises(BertstoryError, match="conv_kernel_size") as error:
        family_for(DebertaV2Config(conv_kernel_size=3))
    assert "\n" not in str(error.value)


def test_encoder_configured_as_decoder_is_refused_in_one_line():
    with pytest.raises(BertstoryError, match="is_decoder") as error:
        family_for(BertConfig(is_decoder=True))
    assert "\n" not in str(error.value)


def test_max_tokens_leaves_out_offset_positions():
    assert family_for(BertConfig(max_position_embeddings=512)).max_tokens(BertConfig(max_position_embeddings=512)) == 512
    roberta = RobertaConfig(max_position_embeddings=514, pad_token_id=1)
    assert family_for(roberta).max_tokens(roberta) == 512
    mpnet = tiny_config("mpnet", 100)
    assert family_for(mpnet).max_tokens(mpnet) == mpnet.max_position_embeddings - 2
    for rotary in ("llama", "gpt_neox", "modernbert"):
        config = tiny_config(rotary, 100)
        assert family_for(config).max_tokens(config) == config.max_position_embeddings

