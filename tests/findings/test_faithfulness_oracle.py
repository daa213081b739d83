"""The faithfulness tables against an independent reduction of the saved maps.

A tiny random BERT and a tiny Qwen2 (causal, grouped-query attention) are analysed with
``bertstory analyze --estimator exact`` on three inputs, every map kept. Each ``faithfulness``
row's pooled Spearman, JS and top-1, and its ``n_rows``, are recomputed here from the maps
(``RunFolder.load_maps(id, normalise=True)``) with :func:`scipy.stats.spearmanr`, a JS written
below and ``numpy.argmax``, over the rows where both maps' rows move (for Spearman: and where it
is defined; a causal row over the keys it sees); attention rollout and value-zeroing rollout are
the direct matrix products of their definitions. ``faithfulness_layers.spearman_median`` must be
the median over a layer's heads of those rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.stats import spearmanr

from bertstory.cli import cli
from bertstory.results import RunFolder

CORPUS = "The cat sat on the mat.\nWhere is the station? Turn left.\nPhotosynthesis needs light.\n"
HEAD_VIEWS = ("attention", "local", "global", "attention_norm")
LAYER_VIEWS = ("contribution", "rollout", "value_zeroing", "value_zeroing_rollout")


def js_bits(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence in bits of two distributions (``0·log 0 = 0``)."""
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        seen = a > 0
        return float((a[seen] * np.log2(a[seen] / m[seen])).sum())

    return (kl(p) + kl(q)) / 2


def rollout_product(layers: np.ndarray, with_identity: bool) -> np.ndarray:
    """``R¹ = M¹``, ``Rˡ = Mˡ · Rˡ⁻¹``; with the identity, ``Mˡ`` is ``½Aˡ + ½I`` with rows renormalised."""
    out, current = [], np.eye(layers.shape[-1])
    for matrix in layers:
        if with_identity:
            matrix = 0.5 * matrix + 0.5 * np.eye(len(matrix))
            matrix = matrix / matrix.sum(axis=1, keepdims=True)
        current = matrix @ current
        out.append(current)
    return np.stack(out)


def row_tallies(p: np.ndarray, q: np.ndarray, causal: bool) -> np.ndarray:
    """``[Σ Spearman, Spearman rows, Σ JS, Σ top-1, moving rows]`` of two maps ``(n, n)``."""
    tally = np.zeros(5)
    for j in range(len(p)):
        if p[j].sum() <= 0 or q[j].sum() <= 0:
            continue
        seen = slice(0, j + 1) if causal else slice(None)
        with np.errstate(invalid="ignore"):
            rho = spearmanr(p[j, seen], q[j, seen]).statistic if len(p[j, seen]) > 1 else np.nan
        if np.isfinite(rho):
            tally[:2] += rho, 1
        tally[2:] += js_bits(p[j], q[j]), float(np.argmax(p[j]) == np.argmax(q[j])), 1
    return tally


def oracle_rows(folder: RunFolder, causal: bool) -> pd.DataFrame:
    """The ``faithfulness`` table's values, reduced here from the run's maps."""
    tallies: dict[tuple, np.ndarray] = {}
    for input_id in sorted(folder.map_ids()):
        maps = folder.load_maps(input_id, normalise=True)
        maps["rollout"] = rollout_product(maps["attention"].mean(axis=1), with_identity=True)
        maps["value_zeroing_rollout"] = rollout_product(maps["value_zeroing"], with_identity=False)
        num_layers, num_heads = maps["attention"].shape[:2]
        for truth in ("ablation_global", "ablation_local"):
            for view in HEAD_VIEWS:
                for layer in range(num_layers):
                    for head in range(num_heads):
                        key = (layer + 1, head + 1, view, truth)
                        tallies[key] = tallies.get(key, 0) + row_tallies(maps[view][layer, head],
                                                                         maps[truth][layer, head], causal)
        for view in LAYER_VIEWS:
            for layer in range(num_layers):
                key = (layer + 1, pd.NA, view, "ablation_hidden")
                tallies[key] = tallies.get(key, 0) + row_tallies(maps[view][layer], maps["ablation_hidden"][layer],
                                                                 causal)
    rows = []
    for (layer, head, view, truth), (rho, rho_rows, js, top1, moving) in tallies.items():
        rows.append({"layer": layer, "head": head, "view": view, "ground_truth": truth,
                     "spearman": rho / rho_rows if rho_rows else np.nan, "js": js / moving if moving else np.nan,
                     "top1": top1 / moving if moving else np.nan, "n_rows": int(moving)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module", params=["bert", "qwen2"])
def analysed(request, tiny_model_dirs, tmp_path_factory) -> tuple[RunFolder, bool]:
    """``(run folder, causal)`` of one tiny model analysed on :data:`CORPUS` with every map kept."""
    root = tmp_path_factory.mktemp(f"oracle-{request.param}")
    (root / "corpus.txt").write_text(CORPUS, encoding="utf-8")
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(tiny_model_dirs[request.param]),
                                      "--corpus", str(root / "corpus.txt"), "--out", str(root / "out"),
                                      "--estimator", "exact", "--keep-maps", "0"])
    assert result.exit_code == 0, result.output
    (run_dir,) = [p for p in (root / "out").iterdir() if p.is_dir()]
    folder = RunFolder(run_dir)
    assert len(folder.map_ids()) == 3
    return folder, request.param == "qwen2"


def test_every_faithfulness_row_is_the_pooled_row_metrics_of_the_saved_maps(analysed):
    folder, causal = analysed
    table = pd.read_parquet(folder.path / "tables" / "faithfulness.parquet")
    expected = oracle_rows(folder, causal)
    keys = ["layer", "head", "view", "ground_truth"]
    assert len(table) == len(expected) and not table.duplicated(keys).any()
    merged = expected.merge(table, on=keys, how="left", suffixes=("", "_table"), validate="one_to_one")
    assert merged["n_rows_table"].notna().all()
    assert (merged["n_rows"] == merged["n_rows_table"]).all()
    assert merged["n_rows"].gt(0).all()
    for metric in ("spearman", "js", "top1"):
        np.testing.assert_allclose(merged[f"{metric}_table"].to_numpy(float), merged[metric].to_numpy(float),
                                   rtol=0, atol=1e-9, err_msg=metric)
    assert merged["spearman"].notna().any()
    # the intervals bracket the pooled means
    for metric in ("spearman", "js"):
        finite = table[metric].notna()
        assert (table.loc[finite, f"{metric}_lo"] <= table.loc[finite, metric] + 1e-12).all()
        assert (table.loc[finite, f"{metric}_hi"] >= table.loc[finite, metric] - 1e-12).all()


def test_the_layer_table_takes_the_median_over_the_heads(analysed):
    folder, _ = analysed
    table = pd.read_parquet(folder.path / "tables" / "faithfulness.parquet")
    layers = pd.read_parquet(folder.path / "tables" / "faithfulness_layers.parquet")
    assert not layers.duplicated(["layer", "view", "ground_truth"]).any()
    assert len(layers) == table.drop_duplicates(["layer", "view", "ground_truth"]).shape[0]
    for (layer, view, truth), group in table.groupby(["layer", "view", "ground_truth"]):
        (row,) = layers[(layers["layer"] == layer) & (layers["view"] == view)
                        & (layers["ground_truth"] == truth)].itertuples()
        spearman = group["spearman"].dropna()
        expected = float(np.median(spearman)) if len(spearman) else np.nan
        np.testing.assert_allclose(row.spearman_median, expected, rtol=0, atol=1e-12, err_msg=(layer, view, truth))
        assert row.n_heads == len(group)
