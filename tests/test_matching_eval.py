"""The matching eval over the demo world (tests/matching_phrasings.py): the intended class of
problem ranks first for at least 90 % of the phrasings and in the top three for all."""

from __future__ import annotations

import pytest

from tests.matching_eval import evaluate, report
from tests.matching_phrasings import ACROSS, PHRASINGS

pytestmark = pytest.mark.django_db


def test_the_intended_class_ranks_first_for_nine_in_ten_and_in_the_top_three_for_all(demo) -> None:
    outcomes = evaluate()
    print("\n" + report(outcomes))  # `make eval-matching` shows it

    assert len(outcomes) == len(PHRASINGS) + len(ACROSS) >= 40
    first = sum(1 for o in outcomes if o.rank == 1)
    assert first / len(outcomes) >= 0.9, report(outcomes)
    assert all(o.rank is not None and o.rank <= 3 for o in outcomes), report(outcomes)
