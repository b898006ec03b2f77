"""The case language's third edition (docs/case-format.md, "Hit and false-alarm rates",
"Possible common origins", "Model error"): what the built Case holds, and the rules that only a
whole case shows (the bad-input fixtures under tests/data/bad pin each message and its line)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from hypotheses import CaseError
from hypotheses.case.types import NO_MODEL_ERROR
from priors import Beta, Point
from tests.helpers import make_case

TWO = [
    {"id": "burglary", "label": "Burglary", "prior": 0.001},
    {"id": "none", "label": "None", "prior": 0.999},
]


def _case(evidence: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    return {"schema": 1, "title": "t", "hypotheses": TWO, "evidence": evidence, **top}


def _item(item_id: str, **keys: Any) -> dict[str, Any]:
    return {"id": item_id, "label": item_id, "likelihoods": {"burglary": 0.8, "none": 0.1}, **keys}


def test_rates_are_stored_as_given_and_credibility_stays_the_default() -> None:
    case = make_case(_case([_item("john", hit=0.8, false_alarm="1%", source="phone")], sources={"phone": {}}))
    (john,) = case.evidence
    assert john.rated and john.hit == Point(0.8) and john.false_alarm == Point(0.01)
    assert john.credibility == Point(1.0) and john.source == "phone"  # kept for the record
    assert john.likelihoods == (Point(0.8), Point(0.1))


def test_rates_take_every_judgment_form() -> None:
    (item,) = make_case(_case([_item("e", hit="likely", false_alarm=[0.01, 0.1])])).evidence
    assert isinstance(item.hit, Beta) and isinstance(item.false_alarm, Beta)
    assert 0.55 < item.hit.mean < 0.8 and 0.01 < item.false_alarm.mean < 0.1


def test_an_absent_rated_item_stores_the_complemented_rates_swapped() -> None:
    """Not reported: P(not E* | h) = (1 - false_alarm) (1 - P(E | h)) + (1 - hit) P(E | h), so on
    the stored 1 - P(E | h) the rates are 1 - false_alarm and 1 - hit."""
    (item,) = make_case(_case([_item("gone", observed=False, hit=0.9, false_alarm=0.2)])).evidence
    assert [j.mean for j in item.likelihoods] == pytest.approx([0.2, 0.9])  # 1 - P(E | h), as before
    assert item.hit is not None and item.false_alarm is not None
    assert item.hit.mean == pytest.approx(0.8) and item.false_alarm.mean == pytest.approx(0.1)
    for theta, stored in zip((0.8, 0.1), item.likelihoods, strict=True):  # the formula agrees
        not_reported = 1 - (0.9 * theta + 0.2 * (1 - theta))
        assert item.hit.mean * stored.mean + item.false_alarm.mean * (1 - stored.mean) == pytest.approx(
            not_reported
        )


def test_reports_of_an_event_and_pending_items_keep_their_rates() -> None:
    events = {"ring": {"label": "the alarm rang", "likelihoods": {"burglary": 0.94, "none": 0.01}}}
    case = make_case(
        _case(
            [
                {"id": "john", "label": "John calls", "reports": "ring", "hit": 0.9, "false_alarm": 0.05},
                {"id": "mary", "label": "Mary calls", "reports": "ring"},
                _item("later", observed="pending", hit=0.9, false_alarm=0.3),
            ],
            events=events,
        )
    )
    john, mary = case.evidence
    assert (
        john.rated and john.hit == Point(0.9) and john.false_alarm == Point(0.05) and john.likelihoods == ()
    )
    assert not mary.rated and mary.hit is None and mary.false_alarm is None
    (later,) = case.pending
    assert later.hit == Point(0.9) and later.false_alarm == Point(0.3)  # stored, as judged


def test_an_origin_is_built_in_case_order_with_the_first_listed_items_likelihoods() -> None:
    case = make_case(
        _case(
            [_item("a"), _item("b", likelihoods={"burglary": 0.7, "default": 0.2}), _item("c")],
            origins={"wire": {"label": "One wire story", "items": ["b", "a"], "shared": "50%", "notes": "n"}},
        )
    )
    (wire,) = case.origins
    assert wire.id == "wire" and wire.label == "One wire story" and wire.notes == "n" and wire.links == ()
    assert wire.items == ("a", "b") and wire.shared == Point(0.5)
    assert wire.likelihoods == (Point(0.7), Point(0.2))  # b's: listed first
    assert case.origin_of("b") is wire and case.origin_of("c") is None


def test_an_origin_with_likelihoods_of_its_own() -> None:
    origins = {
        "wire": {
            "label": "w",
            "items": ["a", "b"],
            "shared": "likely",
            "likelihoods": {"burglary": 0.6, "default": "unlikely"},
            "links": ["https://example.org/wire"],
        }
    }
    (wire,) = make_case(_case([_item("a"), _item("b")], origins=origins)).origins
    assert isinstance(wire.shared, Beta) and wire.links == ("https://example.org/wire",)
    assert wire.likelihoods[0] == Point(0.6) and isinstance(wire.likelihoods[1], Beta)


def test_model_error_defaults_to_none_and_reads_any_judgment() -> None:
    assert make_case(_case([_item("a")])).model_error is NO_MODEL_ERROR
    assert make_case(_case([_item("a")], model_error="1%")).model_error == Point(0.01)
    assert isinstance(make_case(_case([_item("a")], model_error=[0.005, 0.05])).model_error, Beta)


def _problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(CaseError) as caught:
        make_case(document)
    return [p.message for p in caught.value.problems]


@pytest.mark.parametrize(
    ("keys", "kept"),
    [({"grading": "B2"}, "grading"), ({"via": ["wire"]}, "via")],
)
def test_rates_with_a_grading_or_a_chain_say_which_to_keep(keys: dict[str, Any], kept: str) -> None:
    document = _case([_item("e", hit=0.8, false_alarm=0.1, **keys)], sources={"wire": {}})
    (message,) = _problems(document)
    assert f"keep the rates and remove `{kept}:`, or keep `{kept}:` and remove the rates" in message


def test_false_alarm_alone_is_named() -> None:
    (message,) = _problems(_case([_item("e", false_alarm=0.1)]))
    assert message.startswith("evidence 'e' gives `false_alarm:` without `hit:`")


def test_origin_rules_that_need_no_fixture() -> None:
    pending = _item("p", observed="pending")
    ratios = {"id": "r", "label": "r", "ratios": {"burglary": 4, "none": 1}}
    messages = _problems(
        _case(
            [_item("a"), _item("b"), pending, ratios],
            origins={
                "twice": {"label": "t", "items": ["a", "a"], "shared": 0.5},
                "a": {"label": "x", "items": ["p", "r"], "shared": 0},
            },
        )
    )
    assert "origin 'twice' lists 'a' twice; list each item once" in messages
    assert "origin id 'a' is also an evidence id; give one of them another id" in messages
    assert any(m.startswith("evidence 'p' is `observed: pending` (not yet known)") for m in messages)
    assert any(
        m.startswith("evidence 'r' gives `ratios:`, and an origin needs probabilities") for m in messages
    )
    assert len(messages) == 4


def test_a_certain_zero_is_no_longer_certain_with_a_model_error() -> None:
    """Every hypothesis ruled out by certain reports is an error; a model error above 0 (or a
    false-alarm rate above 0) leaves each report a chance of saying nothing."""
    zero_a = _item("za", likelihoods={"burglary": 0, "none": 0.5})
    zero_b = _item("zb", likelihoods={"burglary": 0.5, "none": 0})
    assert any("every hypothesis is ruled out" in m for m in _problems(_case([zero_a, zero_b])))
    make_case(_case([zero_a, zero_b], model_error=0.01))
    make_case(_case([zero_a, dict(zero_b, hit=0.9, false_alarm=0.01)]))
    rated = [dict(zero_a, hit=0.9, false_alarm=0), dict(zero_b, hit=0.9, false_alarm=0)]
    assert any("every hypothesis is ruled out" in m for m in _problems(_case(rated)))


def test_the_fast_path_still_needs_no_pydantic_for_the_new_keys(tmp_path) -> None:
    import yaml

    path = tmp_path / "case.yaml"
    document = _case(
        [_item("a", hit=0.8, false_alarm=0.1), _item("b")],
        model_error="1%",
        origins={"wire": {"label": "w", "items": ["a", "b"], "shared": 0.5}},
    )
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    code = (
        "import sys; from hypotheses.case.loading import load_case; "
        f"load_case({str(path)!r}); print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("document", "said"),
    [
        (
            _case([_item("a")], model_error="150%"),
            "'model_error': must be a probability from 0 to 1 (that any ",
        ),
        (
            _case([_item("a", hit=80, false_alarm=0.1)]),
            "'hit' of evidence 'a': must be a probability from 0 to 1",
        ),
    ],
)
def test_a_probability_key_says_what_it_means_and_no_word_of_weights(
    document: dict[str, Any], said: str
) -> None:
    (message,) = _problems(document)
    assert message.startswith(said) and "ratio" not in message and "weight" not in message
