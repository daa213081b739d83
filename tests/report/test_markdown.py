"""Number formatting and Markdown tables of the generated pages."""

from bertstory.report.markdown import escape, interval, num, pct, table


def test_num_keeps_three_decimals_or_three_significant_digits():
    assert num(0.12345) == "0.123"
    assert num(-0.00001) == "-0.0000100"
    assert num(0.00123456) == "0.00123"
    assert num(-0.0) == "0.000" and num(-1e-15) == "0.000"
    assert num(float("nan")) == "n/a"
    assert num(12.5, 1) == "12.5"


def test_pct_and_interval():
    assert pct(0.4166) == "42%"
    assert pct(float("nan")) == "n/a"
    assert interval(0.1, 0.14321) == "[0.100, 0.143]"


def test_table_escapes_pipes_and_aligns():
    assert table(["a", "b"], [["x|y", 1]]).splitlines() == ["| a | b |", "| :-- | --: |", "| x\\|y | 1 |"]
    assert table(["a", "b"], [], "cl").splitlines()[1] == "| :-: | :-- |"


def test_escape_shows_tokens_literally():
    assert escape("<s>") == "&lt;s&gt;"
    assert escape("a_b*c|d`e\\f & g") == "a\\_b\\*c\\|d\\`e\\\\f &amp; g"
    assert escape("[CLS]") == "[CLS]"
