"""The penalty ladder: every rung and edge, table-driven."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from originality.errors import UsageError
from originality.ladder import (
    CaseRecord,
    CaseStatus,
    Citation,
    Decision,
    DecisionRecord,
    Evaluation,
    History,
    Sanction,
    Stage,
    ban_until,
    case_status,
    is_repeat,
    propose,
    queue_key,
    sanction_for,
    standing,
    warning_text,
)
from originality.model import Fragment, Span

UTC = timezone.utc
STUDENT = "s1"
W, RW, RD, DC = (
    Sanction.WRITTEN_WARNING,
    Sanction.REWORK,
    Sanction.FULL_REDO,
    Sanction.DISCONTINUATION,
)


def t(day: int, hour: int = 12, month: int = 3, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def case(
    cid: str,
    opened: datetime,
    stage: Stage = Stage.CREATION,
    project: str = "",
    handed_in: datetime | None = None,
) -> CaseRecord:
    """A case opened at ``opened`` on work handed in at ``handed_in`` (by default, then too)."""
    return CaseRecord(cid, STUDENT, project or f"p-{cid}", stage, opened, handed_in or opened)


def confirm(
    did: str, cid: str, at: datetime, sanction: Sanction = W, reverses: str | None = None
) -> DecisionRecord:
    return DecisionRecord(did, cid, Decision.CONFIRMED, at, sanction, reverses, "staff1", "seen")


def dismiss(did: str, cid: str, at: datetime, reverses: str | None = None) -> DecisionRecord:
    return DecisionRecord(did, cid, Decision.DISMISSED, at, None, reverses, "staff1", "no case")


def history(*records: object) -> History:
    return History(
        STUDENT,
        cases=tuple(r for r in records if isinstance(r, CaseRecord)),
        decisions=tuple(r for r in records if isinstance(r, DecisionRecord)),
        evaluations=tuple(r for r in records if isinstance(r, Evaluation)),
    )


# --- Sanction order ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lower, higher",
    [(W, RW), (RW, RD), (RD, DC), (W, DC), (W, RD), (RW, DC)],
)
def test_sanctions_compare_by_declaration_order(lower: Sanction, higher: Sanction) -> None:
    assert lower < higher and higher > lower and lower <= higher and not higher < lower


def test_max_and_sorted_follow_severity() -> None:
    assert max([RW, DC, W]) is DC
    assert sorted([DC, RD, W, RW]) == [W, RW, RD, DC]
    assert [s.rank for s in Sanction] == [0, 1, 2, 3]


def test_sanctions_do_not_compare_with_strings() -> None:
    with pytest.raises(TypeError):
        _ = W < "rework"


# --- The ladder table --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stage, repeat, expected",
    [
        (Stage.CREATION, False, W),
        (Stage.SUBMISSION, False, RW),
        (Stage.THROUGHOUT, False, RD),
        (Stage.CREATION, True, DC),
        (Stage.SUBMISSION, True, DC),
        (Stage.THROUGHOUT, True, DC),
        ("submission", False, RW),
    ],
)
def test_each_rung_of_the_ladder(stage: Stage, repeat: bool, expected: Sanction) -> None:
    assert sanction_for(stage, repeat) is expected


# --- Two-year ban ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "decided, expected",
    [
        (datetime(2024, 2, 29, 10, tzinfo=UTC), datetime(2026, 2, 28, 10, tzinfo=UTC)),
        (datetime(2023, 3, 1, 9, 30, tzinfo=UTC), datetime(2025, 3, 1, 9, 30, tzinfo=UTC)),
        (datetime(2022, 2, 28, tzinfo=UTC), datetime(2024, 2, 28, tzinfo=UTC)),
        (datetime(2023, 2, 28, tzinfo=UTC), datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2026, 2, 28, tzinfo=UTC), datetime(2028, 2, 28, tzinfo=UTC)),
        (datetime(2024, 12, 31, 23, 59, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC)),
        # 23:30 in New York on 31 Dec is already 1 Jan in UTC: the ban is computed in UTC.
        (
            datetime(2024, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2027, 1, 1, 4, 30, tzinfo=UTC),
        ),
        # 29 Feb 00:30 in Paris is 28 Feb in UTC.
        (
            datetime(2024, 2, 29, 0, 30, tzinfo=timezone(timedelta(hours=1))),
            datetime(2026, 2, 28, 23, 30, tzinfo=UTC),
        ),
    ],
)
def test_ban_lasts_exactly_two_calendar_years(decided: datetime, expected: datetime) -> None:
    got = ban_until(decided)
    assert got == expected and got.tzinfo == UTC


def test_ban_of_a_leap_day_never_exceeds_two_years() -> None:
    decided = datetime(2024, 2, 29, tzinfo=UTC)
    two_years = datetime(2026, 3, 1, tzinfo=UTC) - datetime(2024, 3, 1, tzinfo=UTC)
    assert ban_until(decided) - decided <= two_years


def test_ban_refuses_a_naive_datetime() -> None:
    with pytest.raises(UsageError):
        ban_until(datetime(2024, 2, 29))


# --- Repeat offenses ---------------------------------------------------------------------------

# B's work is handed in on 10 Mar and its case opened on 16 Mar: the hand-in is what counts.
A_OPEN, B_IN, B_OPEN = t(1), t(10), t(16)
REPEAT_CASES = [
    # (what, records besides case A (opened 1 Mar) and B (on work handed in 10 Mar, opened
    # 16 Mar), as_of, repeat?, id)
    ("no other case", [], None, False, "alone"),
    ("earlier case confirmed", [confirm("d1", "A", t(5))], None, True, "warned"),
    ("earlier case dismissed", [dismiss("d1", "A", t(5))], None, False, "dismissed"),
    ("earlier case still open", [], None, False, "open"),
    (
        "earlier case confirmed after B's work was handed in, before B was opened",
        [confirm("d1", "A", t(11))],
        None,
        False,
        "late",
    ),
    ("confirmed at the instant B's work was handed in", [confirm("d1", "A", B_IN)], None, False,
     "instant"),
    (
        "confirmed earlier the same day B's work was handed in",
        [confirm("d1", "A", B_IN - timedelta(hours=2))],
        None,
        True,
        "same-day-before",
    ),
    (
        "confirmed then reversed",
        [confirm("d1", "A", t(5)), dismiss("d2", "A", t(20), reverses="d1")],
        None,
        False,
        "reversed",
    ),
    (
        "confirmed then reversed, seen before the reversal",
        [confirm("d1", "A", t(5)), dismiss("d2", "A", t(20), reverses="d1")],
        t(15),
        True,
        "reversed-later",
    ),
    (
        "dismissed then confirmed on appeal before B",
        [dismiss("d1", "A", t(3)), confirm("d2", "A", t(5), reverses="d1")],
        None,
        True,
        "reconfirmed",
    ),
    (
        "dismissed when B's work was handed in, confirmed after",
        [dismiss("d1", "A", t(3)), confirm("d2", "A", t(12), reverses="d1")],
        None,
        False,
        "confirmed-after",
    ),
    (
        "B's project evaluated before B's work was handed in",
        [Evaluation(STUDENT, "p-B", t(8), "report.pdf")],
        None,
        True,
        "evaluated",
    ),
    (
        "another project evaluated",
        [Evaluation(STUDENT, "p-A", t(8))],
        None,
        False,
        "other-project",
    ),
    (
        # An evaluation is judged at the case's opening: the plagiarism got through it.
        "B's project evaluated after B's work was handed in, before B was opened",
        [Evaluation(STUDENT, "p-B", t(12))],
        None,
        True,
        "evaluated-before-opened",
    ),
    (
        "B's project evaluated after B was opened",
        [Evaluation(STUDENT, "p-B", t(17))],
        None,
        False,
        "evaluated-after",
    ),
]


@pytest.mark.parametrize(
    "extra, as_of, expected",
    [pytest.param(e, a, r, id=i) for _, e, a, r, i in REPEAT_CASES],
)
def test_a_case_is_a_repeat_only_after_a_standing_warning_or_an_evaluation(
    extra: list[object], as_of: datetime | None, expected: bool
) -> None:
    h = history(case("A", A_OPEN), case("B", B_OPEN, handed_in=B_IN), *extra)
    assert is_repeat(h, "B", as_of) is expected
    assert propose(h, "B", as_of).repeat is expected


def test_two_copies_handed_in_before_any_warning_are_first_offenses_in_any_order() -> None:
    """Both copies handed in on 1 Mar. Whether staff confirm the first case before opening
    the second, or open both first, the second is a first offense: the student was not
    warned when she handed it in."""
    decided_first = history(case("A", t(2), handed_in=t(1)), confirm("d1", "A", t(3)),
                            case("B", t(4), handed_in=t(1)))
    opened_first = history(case("A", t(2), handed_in=t(1)), case("B", t(3), handed_in=t(1)),
                           confirm("d1", "A", t(4)))
    for h in (decided_first, opened_first):
        assert not is_repeat(h, "B") and propose(h, "B").sanction is W
    # Handed in after the warning, it is a repeat, whenever its case is opened.
    warned = history(case("A", t(2), handed_in=t(1)), confirm("d1", "A", t(3)),
                     case("B", t(9), handed_in=t(5)))
    assert is_repeat(warned, "B") and propose(warned, "B").sanction is DC
    assert "before this work was handed in" in propose(warned, "B").reasons[0]


def test_two_cases_confirmed_the_same_day_are_both_first_offenses() -> None:
    h = history(
        case("A", t(1), Stage.SUBMISSION),
        case("B", t(2), Stage.THROUGHOUT),
        confirm("d1", "A", t(5, 9), RW),
        confirm("d2", "B", t(5, 15), RD),
    )
    assert not is_repeat(h, "A") and not is_repeat(h, "B")
    s = standing(h, t(6))
    assert [x.case_id for x in s.sanctions] == ["A", "B"]
    assert s.warnings == 2 and s.highest is RD and s.banned_until is None
    assert s.next_is_repeat and s.to_revisit == ()


def test_same_instant_decisions_are_listed_by_case_id() -> None:
    h = history(
        case("B", t(1)), case("A", t(2)), confirm("d1", "B", t(5)), confirm("d2", "A", t(5))
    )
    assert [x.case_id for x in standing(h, t(6)).sanctions] == ["A", "B"]


def test_dismissed_cases_do_not_count() -> None:
    h = history(
        case("A", t(1)), case("B", t(2)), dismiss("d1", "A", t(3)), dismiss("d2", "B", t(4))
    )
    s = standing(h, t(10))
    assert s.warnings == 0 and s.sanctions == () and not s.next_is_repeat
    assert s.dismissed_cases == ("A", "B") and s.highest is None


# --- Proposals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stage, expected", [(Stage.CREATION, W), (Stage.SUBMISSION, RW), (Stage.THROUGHOUT, RD)]
)
def test_first_offense_proposes_the_rung_for_its_stage(stage: Stage, expected: Sanction) -> None:
    p = propose(history(case("A", t(1), stage)), "A")
    assert (p.sanction, p.repeat, p.needs_staff_review) == (expected, False, False)
    assert p.reasons[0].startswith("First offense") and expected.description in p.reasons[1]


def test_a_repeat_is_only_proposed_and_waits_for_staff() -> None:
    h = history(case("A", t(1)), confirm("d1", "A", t(2)), case("B", t(3), Stage.CREATION))
    p = propose(h, "B")
    assert p.sanction is DC and p.repeat and p.needs_staff_review
    assert any("case A" in r for r in p.reasons)
    assert "staff decision is required" in p.reasons[-1]
    # Proposing decides nothing: the case stays open and the student is not banned.
    assert case_status(h, "B") is CaseStatus.OPEN
    s = standing(h, t(4))
    assert s.open_cases == ("B",) and s.banned_until is None and not s.banned


def test_queue_puts_repeats_first_then_oldest() -> None:
    h = history(
        case("A", t(1)),
        confirm("d1", "A", t(2)),
        case("B", t(5)),
        case("C", t(1), project="other"),
    )
    other = History("s2", cases=(CaseRecord("Z", "s2", "p", Stage.CREATION, t(3), t(3)),))
    entries = [
        ("B", is_repeat(h, "B"), t(5)),
        ("C", is_repeat(h, "C"), t(1)),
        ("Z", is_repeat(other, "Z"), t(3)),
    ]
    assert [e[0] for e in sorted(entries, key=lambda e: queue_key(*e))] == ["B", "C", "Z"]


def test_proposing_an_unknown_case_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="nope"):
        propose(history(case("A", t(1))), "nope")


# --- Standing and reversals --------------------------------------------------------------------


def _comparable(h: History, at: datetime) -> tuple[object, ...]:
    s = standing(h, at)
    # decided_at is left out: a sanction restored by a later decision dates from that decision.
    sanctions = [(x.case_id, x.sanction) for x in s.sanctions]
    return (sanctions, s.warnings, s.highest, s.banned_until, s.banned, s.next_is_repeat)


@pytest.mark.parametrize(
    "records, before, after",
    [
        pytest.param(
            [case("A", t(1)), confirm("d1", "A", t(2)), dismiss("d2", "A", t(4), reverses="d1")],
            t(1, 13),
            t(5),
            id="warning reversed",
        ),
        pytest.param(
            [
                case("A", t(1)),
                confirm("d1", "A", t(2), RW),
                case("B", t(3)),
                confirm("d2", "B", t(4), DC),
                dismiss("d3", "B", t(6), reverses="d2"),
            ],
            t(3, 13),
            t(7),
            id="discontinuation reversed",
        ),
        pytest.param(
            [
                case("A", t(1)),
                confirm("d1", "A", t(2), RD),
                confirm("d2", "A", t(4), RW, reverses="d1"),
                confirm("d3", "A", t(6), RD, reverses="d2"),
            ],
            t(3),
            t(7),
            id="sanction changed and changed back",
        ),
    ],
)
def test_a_reversal_restores_the_previous_standing(
    records: list[object], before: datetime, after: datetime
) -> None:
    h = history(*records)
    assert _comparable(h, before) == _comparable(h, after)


def test_a_discontinuation_bans_for_two_years_then_stays_on_record() -> None:
    decided = datetime(2024, 2, 29, 16, tzinfo=UTC)
    h = history(
        case("A", t(1, year=2023)),
        confirm("d1", "A", t(2, year=2023), RW),
        case("B", t(1, month=2, year=2024)),
        confirm("d2", "B", decided, DC),
    )
    end = datetime(2026, 2, 28, 16, tzinfo=UTC)
    during = standing(h, datetime(2026, 2, 28, 15, tzinfo=UTC))
    assert during.banned and during.banned_until == end and during.highest is DC
    after = standing(h, end)
    assert not after.banned and after.banned_until == end


def test_reversing_the_first_warning_flags_the_later_discontinuation_for_review() -> None:
    h = history(
        case("A", t(1)),
        confirm("d1", "A", t(2)),
        case("B", t(3), Stage.SUBMISSION),
        confirm("d2", "B", t(4), DC),
        dismiss("d3", "A", t(6), reverses="d1"),
    )
    assert standing(h, t(5)).to_revisit == ()
    s = standing(h, t(7))
    # Staff's decision on B stands until staff revisit it; the ladder now proposes rework.
    assert s.to_revisit == ("B",) and s.banned and propose(h, "B").sanction is RW


def test_standing_ignores_what_happens_after_as_of() -> None:
    h = history(
        case("A", t(1)),
        confirm("d1", "A", t(5)),
        case("B", t(8)),
        Evaluation(STUDENT, "p-C", t(9)),
    )
    s = standing(h, t(3))
    assert s.open_cases == ("A",) and s.warnings == 0 and s.evaluated_projects == frozenset()
    s = standing(h, t(10))
    assert s.open_cases == ("B",) and s.would_repeat("p-X") and s.would_repeat("p-C")


def test_an_evaluated_project_makes_a_new_case_on_it_a_repeat() -> None:
    h = history(Evaluation(STUDENT, "p1", t(2)))
    s = standing(h, t(3))
    assert not s.next_is_repeat and s.would_repeat("p1") and not s.would_repeat("p2")


@pytest.mark.parametrize(
    "decisions, as_of, expected",
    [
        ([], None, CaseStatus.OPEN),
        ([confirm("d1", "A", t(2))], None, CaseStatus.CONFIRMED),
        ([confirm("d1", "A", t(2))], t(1, 18), CaseStatus.OPEN),
        ([confirm("d1", "A", t(2)), dismiss("d2", "A", t(3), "d1")], None, CaseStatus.DISMISSED),
        ([confirm("d1", "A", t(2)), dismiss("d2", "A", t(2), "d1")], t(2), CaseStatus.DISMISSED),
    ],
)
def test_case_status_follows_the_latest_decision(
    decisions: list[DecisionRecord], as_of: datetime | None, expected: CaseStatus
) -> None:
    assert case_status(history(case("A", t(1)), *decisions), "A", as_of) is expected


# --- Validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "records, message",
    [
        ([case("A", datetime(2025, 3, 1))], "opened_at must be timezone-aware"),
        (
            [case("A", t(1), handed_in=datetime(2025, 3, 1))],
            "handed_in_at must be timezone-aware",
        ),
        ([case("A", t(1)), confirm("d1", "X", t(2))], "unknown case 'X'"),
        (
            [case("A", t(1)), confirm("d1", "A", t(2)), confirm("d2", "A", t(3))],
            "reverses None, expected 'd1'",
        ),
        (
            [case("A", t(1)), confirm("d1", "A", t(2), reverses="d0")],
            "reverses 'd0', expected None",
        ),
        ([case("A", t(5)), confirm("d1", "A", t(2))], "predates its case"),
        (
            [case("A", t(1)), DecisionRecord("d1", "A", Decision.CONFIRMED, t(2))],
            "confirms without a sanction",
        ),
        (
            [case("A", t(1)), DecisionRecord("d1", "A", Decision.DISMISSED, t(2), W)],
            "dismisses with a sanction",
        ),
        ([case("A", t(1)), case("A", t(2))], "duplicate case id 'A'"),
        ([CaseRecord("A", "other", "p", Stage.CREATION, t(1), t(1))], "belongs to 'other'"),
    ],
)
def test_an_inconsistent_history_is_refused(records: list[object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        history(*records)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(UsageError) as info:
        history(case("A", datetime(2025, 3, 1), handed_in=t(1)), case("A", t(1)),
                Evaluation("other", "p", t(1)))
    assert info.value.message.count(";") == 2


def test_standing_refuses_a_naive_as_of() -> None:
    with pytest.raises(UsageError):
        standing(history(), datetime(2025, 1, 1))


# --- The written warning -----------------------------------------------------------------------

MATCHES = [
    ("src/main.py", 40, 52, "src/app.py", 10, 22),
    ("README.md", 3, 3, "README.md", 5, 5),
    ("src/main.py", 40, 52, "src/app.py", 10, 22),
]


def test_warning_cites_every_match_by_file_and_line() -> None:
    text = warning_text("Ada Lovelace", "P5 - Analysis", Stage.SUBMISSION, MATCHES)
    assert text.startswith(
        "Subject: Plagiarism in your project P5 - Analysis: "
        "written warning, project to be reworked\n"
    )
    assert "Dear Ada Lovelace," in text
    assert "in one or more of the submitted deliverables" in text
    assert "  - README.md, line 3: matches README.md, line 5\n" in text
    assert "  - src/main.py, lines 40-52: matches src/app.py, lines 10-22\n" in text
    assert text.count("src/main.py") == 1  # duplicates cited once
    assert text.index("README.md") < text.index("src/main.py")
    assert RW.description in text and "discontinuation of your training" in text
    assert text.endswith("The pedagogy team\n")


def test_warning_is_the_same_for_the_same_evidence_in_any_order_or_form() -> None:
    as_citations = [Citation(*m) for m in reversed(MATCHES)]
    assert warning_text("s1", "P", Stage.CREATION, MATCHES) == warning_text(
        "s1", "P", Stage("creation"), as_citations
    )


@pytest.mark.parametrize(
    "stage, sanction, phrase",
    [
        (Stage.CREATION, None, "while the deliverables were being created"),
        (Stage.THROUGHOUT, None, "must be entirely redone"),
        (Stage.SUBMISSION, DC, "Your training is discontinued"),
    ],
)
def test_warning_states_the_stage_and_the_sanction(
    stage: Stage, sanction: Sanction | None, phrase: str
) -> None:
    text = warning_text("s1", "P", stage, MATCHES, sanction)
    assert phrase in text
    if sanction is DC:
        assert "any further plagiarism" not in text


def test_warning_without_matches_points_to_the_case_file() -> None:
    assert "recorded in the case file" in warning_text("s1", "P", Stage.CREATION, [])


def test_citation_from_a_report_fragment_takes_the_students_side_first() -> None:
    f = Fragment(Span("a.py", 1, 9), Span("b.py", 11, 19), tokens=30)
    assert Citation.from_fragment(f) == Citation("a.py", 1, 9, "b.py", 11, 19)
