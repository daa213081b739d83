"""Unnormalised maps as shares over the keys a row sees; rows that do not move are NaN."""

import torch

from bertstory.engine.copies import change_norms
from bertstory.engine.row_shares import row_shares, still_rows


def test_rows_are_shares_of_the_keys_they_see_and_still_rows_are_nan():
    values = torch.tensor([[[1.0, 3.0, 4.0], [0.0, 0.0, 5.0], [2.0, 2.0, 0.0]]])
    causal = torch.ones(3, 3, dtype=torch.bool).tril()
    shares = row_shares(values, causal)
    expected = torch.tensor([[[1.0, 0.0, 0.0], [torch.nan] * 3, [0.5, 0.5, 0.0]]])
    torch.testing.assert_close(shares, expected, equal_nan=True)
    assert still_rows(shares).tolist() == [[False, True, False]]
    torch.testing.assert_close(row_shares(values)[0, 1], torch.tensor([0.0, 0.0, 1.0]))


def test_a_change_by_rounding_alone_is_no_change():
    reference = torch.tensor([[3.0, 4.0], [3.0, 4.0]], dtype=torch.float64)
    eps = torch.finfo(torch.float64).eps
    changed = reference + torch.tensor([[4 * eps, 0.0], [1e-9, 0.0]], dtype=torch.float64)
    torch.testing.assert_close(change_norms(changed, reference), torch.tensor([0.0, 1e-9], dtype=torch.float64))
