"""tests/sweeps.cases: which cases of a parametrised sweep the fast loop runs."""

from __future__ import annotations

import pytest
from sweeps import cases


def _slow(param) -> bool:
    return any(mark.name == "slow" for mark in param.marks)


def test_the_cases_kept_are_spread_from_the_first_to_the_last_and_the_rest_marked_slow():
    # 10 cases, 4 kept: round(i * 9 / 3) for i = 0..3 -> 0, 3, 6, 9
    out = cases(list("abcdefghij"), 4)
    assert [p.values for p in out] == [(c,) for c in "abcdefghij"]
    assert [i for i, p in enumerate(out) if not _slow(p)] == [0, 3, 6, 9]


def test_every_case_is_kept_when_there_are_no_more_than_asked_and_one_keeps_the_first():
    assert not any(_slow(p) for p in cases([1, 2, 3], 3) + cases([1, 2], 5))
    assert [_slow(p) for p in cases([1, 2, 3], 1)] == [False, True, True]


def test_tuples_are_a_cases_arguments_and_a_params_id_and_marks_are_kept():
    out = cases([(1, 0), pytest.param(0, 1, id="flip", marks=pytest.mark.xfail), (1, 1)], 2)
    assert [p.values for p in out] == [(1, 0), (0, 1), (1, 1)]
    assert out[1].id == "flip"
    assert [m.name for m in out[1].marks] == ["xfail", "slow"]
    assert not _slow(out[0]) and not _slow(out[2])
