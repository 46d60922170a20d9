"""The sort behind each article's alignment profile against numpy's stable argsort."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dedup.align import _stable_order

# Full-range hashes, and values that share their high bits (the case the insertion pass puts in order).
VALUES = st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 70), st.integers(2**63, 2**63 + 70))


@given(st.lists(VALUES, max_size=300))
def test_stable_order_is_a_stable_argsort(values: list[int]) -> None:
    array = np.array(values, dtype=np.uint64)
    assert _stable_order(array).tolist() == np.argsort(array, kind="stable").tolist()
