"""One initial IV service per encounter (INF010) and a push of 15 minutes or less (INF011),
end to end on 837P and FHIR, plus the rules on claims built in memory.

The 837P and FHIR inputs are the project's own synthetic samples with their service lines
replaced in memory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrubber._api import Plugins, ScrubResult, scrub_bytes
from scrubber._findings import Severity
from scrubber._manager import make_plugin_manager
from scrubber._tables import MemoryTables
from scrubber.testing import make_claim

OPT_IN = "[defaults.infusion]\nrecode_initial_services = true\n"


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return Plugins.load(make_plugin_manager(entrypoints=False, blocked=("scrubber_mue",)))


def x12(samples_dir: Path, *lines: tuple[str, str, str, str]) -> bytes:
    """The 837P sample with its one service line replaced by *lines* (SV101, charge, basis,
    units); CLM02 and SE01 follow."""
    text = (samples_dir / "x12" / "home-infusion-medicaid.837").read_text()
    head, rest = text.split("LX*1~", 1)
    tail = rest[rest.index("SE*") :]
    body = "".join(
        f"LX*{n}~SV1*HC:{code}*{charge}*{basis}*{units}***1~DTP*472*D8*20260115~REF*6R*HI-0001-{n}~"
        for n, (code, charge, basis, units) in enumerate(lines, 1)
    )
    total = sum(float(charge) for _, charge, _, _ in lines)
    head = head.replace("CLM*HI-0001*450.00*", f"CLM*HI-0001*{total:.2f}*")
    segments = head.count("~") - head[: head.index("ST*")].count("~") + 4 * len(lines) + 1
    tail = tail.replace("SE*25*", f"SE*{segments}*", 1)
    return (head + body + tail).encode()


def service_lines(result: ScrubResult) -> list[str]:
    text = result.output.decode().replace("\n", "")
    return [s for s in text.split("~") if s.startswith("SV1*")]


def scrub(data: bytes, plugins: Plugins, profile: str | None = None) -> ScrubResult:
    return scrub_bytes(data, tables=MemoryTables(), plugins=plugins, profile=profile, strict=True)


THREE_INITIALS = (
    ("96413", "300.00", "MJ", "60"),
    ("96365", "200.00", "MJ", "45"),
    ("96360", "100.00", "MJ", "90"),
)


def test_837p_three_initial_services_one_date(samples_dir: Path, plugins: Plugins) -> None:
    result = scrub(x12(samples_dir, *THREE_INITIALS), plugins)
    hierarchy = [f for f in result.findings if f.code == "INF010"]
    assert [(f.line, f.severity, dict(f.details)["suggested"]) for f in hierarchy] == [
        (2, Severity.ERROR, "96367"),
        (3, Severity.ERROR, "96361"),
    ]
    assert hierarchy[0].message == (
        "96365 for 45 min is a second initial IV service on this date of service: line 1 "
        "(96413, chemotherapy infusion) is the initial service, and only one is reported per "
        "encounter unless a separate IV site is documented (modifier 59, XE, XP, XS, XU). "
        "Report it as 96367 (additional sequential infusion of a new substance, up to 1 hour): "
        "96367 × 1 for 45 min"
    )
    assert "Medicare Claims Processing Manual, ch. 12, section 30.5" in hierarchy[0].citation
    # Report only by default: the demoted lines are left as sent, not normalized as initials.
    assert service_lines(result) == [
        "SV1*HC:96413*300.00*UN*1***1",
        "SV1*HC:96365*200.00*MJ*45***1",
        "SV1*HC:96360*100.00*MJ*90***1",
    ]


def test_837p_recode_when_the_profile_opts_in(samples_dir: Path, plugins: Plugins) -> None:
    result = scrub(x12(samples_dir, *THREE_INITIALS), plugins, OPT_IN)
    assert service_lines(result) == [
        "SV1*HC:96413*300.00*UN*1***1",
        "SV1*HC:96367*200.00*UN*1***1",
        "SV1*HC:96361*100.00*UN*1***1",
    ]
    assert b"CLM*HI-0001*600.00*" in result.output
    again = scrub(result.output, plugins, OPT_IN)
    assert again.findings == ()
    assert again.output == result.output


def test_837p_long_sequential_infusion_gets_its_add_on_hours(
    samples_dir: Path, plugins: Plugins
) -> None:
    lines = (("96413", "300.00", "MJ", "60"), ("96365", "300.00", "MJ", "150"))
    result = scrub(x12(samples_dir, *lines), plugins, OPT_IN)
    assert service_lines(result) == [
        "SV1*HC:96413*300.00*UN*1***1",
        "SV1*HC:96367*150.00*UN*1***1",
        "SV1*HC:96366*150.00*UN*1***1",
    ]
    assert scrub(result.output, plugins, OPT_IN).findings == ()


@pytest.mark.parametrize("modifier", ["59", "XU"])
def test_837p_separate_iv_site_exempts_the_line(
    samples_dir: Path, plugins: Plugins, modifier: str
) -> None:
    lines = (
        ("96413", "300.00", "MJ", "60"),
        (f"96365:{modifier}", "200.00", "MJ", "45"),
        ("96360", "100.00", "MJ", "90"),
    )
    result = scrub(x12(samples_dir, *lines), plugins, OPT_IN)
    assert [(f.code, f.line) for f in result.findings if f.code.startswith("INF01")] == [
        ("INF010", 3)
    ]
    assert service_lines(result)[1] == f"SV1*HC:96365:{modifier}*200.00*UN*1***1"


@pytest.mark.parametrize(("code", "push"), [("96413", "96409"), ("96365", "96374")])
def test_837p_ten_minute_infusion_is_a_push(
    samples_dir: Path, plugins: Plugins, code: str, push: str
) -> None:
    result = scrub(x12(samples_dir, (code, "150.00", "MJ", "10")), plugins)
    [finding] = result.findings
    assert (finding.code, finding.severity, finding.line) == ("INF011", Severity.ERROR, 1)
    assert finding.message.startswith(
        f"{code} for 10 min is a push, not an infusion: CPT reports an infusion of 15 min or "
        f"less as an IV push. Report it as {push} ("
    )
    assert service_lines(result) == [f"SV1*HC:{code}*150.00*MJ*10***1"]
    fixed = scrub(x12(samples_dir, (code, "150.00", "MJ", "10")), plugins, OPT_IN)
    assert service_lines(fixed) == [f"SV1*HC:{push}*150.00*UN*1***1"]
    assert scrub(fixed.output, plugins, OPT_IN).findings == ()


def test_837p_sixteen_minutes_is_an_infusion(samples_dir: Path, plugins: Plugins) -> None:
    result = scrub(x12(samples_dir, ("96413", "150.00", "MJ", "16")), plugins)
    assert [f.code for f in result.findings] == ["INF001"]


def fhir(samples_dir: Path, *lines: tuple[str, int, float, list[str]]) -> bytes:
    """The FHIR sample with one item per (code, minutes, net, modifiers), quantity in min."""
    claim = json.loads((samples_dir / "fhir" / "home-infusion-medicaid.r4.json").read_bytes())
    [template] = claim["item"]
    template.pop("servicedPeriod")
    items = []
    for n, (code, minutes, net, modifiers) in enumerate(lines, 1):
        item = json.loads(json.dumps(template))
        item["sequence"] = n
        item["servicedDate"] = "2026-01-15"
        item["productOrService"]["coding"][0]["code"] = code
        if modifiers:
            item["modifier"] = [{"coding": [{"code": m}]} for m in modifiers]
        item["quantity"] = {
            "value": minutes,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min",
        }
        item["net"] = {"value": net, "currency": "USD"}
        items.append(item)
    claim["item"] = items
    claim["total"] = {"value": sum(n for _, _, n, _ in lines), "currency": "USD"}
    return json.dumps(claim).encode()


def fhir_items(result: ScrubResult) -> list[tuple[str, object, object]]:
    claim = json.loads(result.output)
    return [
        (i["productOrService"]["coding"][0]["code"], i["quantity"]["value"], i["net"]["value"])
        for i in claim["item"]
    ]


def test_fhir_hierarchy_report_then_recode(samples_dir: Path, plugins: Plugins) -> None:
    data = fhir(
        samples_dir,
        ("96413", 60, 300.0, []),
        ("96365", 45, 200.0, []),
        ("96360", 90, 100.0, []),
    )
    reported = scrub(data, plugins)
    assert [(f.code, f.line) for f in reported.findings if f.code == "INF010"] == [
        ("INF010", 2),
        ("INF010", 3),
    ]
    fixed = scrub(data, plugins, OPT_IN)
    assert fhir_items(fixed) == [("96413", 1, 300.0), ("96367", 1, 200.0), ("96361", 1, 100.0)]
    assert json.loads(fixed.output)["total"]["value"] == 600.0
    assert scrub(fixed.output, plugins, OPT_IN).findings == ()


def test_fhir_separate_site_and_push(samples_dir: Path, plugins: Plugins) -> None:
    data = fhir(samples_dir, ("96413", 60, 300.0, []), ("96365", 10, 50.0, ["XU"]))
    result = scrub(data, plugins)
    assert [(f.code, f.line) for f in result.findings if f.code.startswith("INF01")] == [
        ("INF011", 2)
    ]


def test_the_order_given_does_not_matter(kit) -> None:
    """Hydration first, chemotherapy last: chemotherapy is still the initial service."""
    claim = make_claim(
        lines=[
            kit.visit(90, code="96360"),
            kit.visit(30, code="96365", starts=11),
            kit.visit(60, code="96413", starts=12),
        ]
    )
    result = kit.scrub(claim, codes=["INF010"])
    assert [(f.line, dict(f.details)["initial_line"]) for f in result.findings] == [
        (1, "3"),
        (2, "3"),
    ]


def test_push_under_a_higher_initial_becomes_the_additional_push(kit) -> None:
    claim = make_claim(lines=[kit.visit(60, code="96413"), kit.visit(10, code="96365")])
    [finding] = kit.scrub(claim, codes=["INF010", "INF011"]).findings
    assert finding.code == "INF010"
    assert dict(finding.details)["suggested"] == "96375"
    assert "(at 10 min it is a push, 96374)" in finding.message


def test_hydration_under_31_minutes_is_not_reportable_after_another_initial(kit) -> None:
    prof = kit.profile(OPT_IN)
    claim = make_claim(lines=[kit.visit(60, code="96365"), kit.visit(20, code="96360")])
    result = kit.scrub(claim, prof=prof, codes=["INF010"])
    [finding] = result.findings
    assert finding.fixes == ()
    assert finding.message.endswith(
        "96361 needs at least 31 min; 20 min is not reportable (no rewrite: the time earns no "
        "unit of 96361)"
    )


def test_existing_add_on_lines_are_left_to_the_coder(kit) -> None:
    claim = make_claim(
        lines=[
            kit.visit(60, code="96413"),
            kit.visit(150, code="96365"),
            kit.addon(1, code="96366"),
        ]
    )
    result = kit.scrub(claim, prof=kit.profile(OPT_IN))
    [finding] = [f for f in result.findings if f.code == "INF010"]
    assert finding.fixes == ()
    assert "96366 lines; correct them together by hand" in finding.message
    # 96366 may follow the 96367 the 96365 line should be: no add-on-without-primary error.
    assert "INF002" not in [f.code for f in result.findings]


def test_untimed_lines_keep_their_units(kit) -> None:
    claim = make_claim(
        lines=[kit.visit(code="96365", how="none"), kit.visit(code="96360", how="none", units=2)]
    )
    result = kit.scrub(claim, prof=kit.profile(OPT_IN), codes=["INF010"])
    assert kit.coded(result) == [
        ("96365", "1", "UN", "400.00"),
        ("96361", "2", "UN", "400.00"),
    ]


def test_two_dates_are_two_encounters(kit) -> None:
    from datetime import date

    claim = make_claim(
        lines=[kit.visit(60, code="96413"), kit.visit(60, code="96365", on=date(2026, 1, 16))]
    )
    assert kit.scrub(claim, codes=["INF010", "INF011"]).findings == ()


@pytest.mark.parametrize("minutes", [10, 20, 45, 90, 151, 330])
@pytest.mark.parametrize("code", ["99601", "99602", "96365", "96366", "96413", "96360", "96361"])
def test_messages_on_minute_lines_say_minutes_not_units(kit, code: str, minutes: int) -> None:
    """A line sent in minutes (SV103 MJ) is never described as that many units."""
    claim = make_claim(
        lines=[kit.visit(minutes, code=code), kit.visit(minutes, code="96360", starts=13)]
    )
    for finding in kit.scrub(claim, prof=kit.profile(OPT_IN)).findings:
        assert f"{minutes} unit" not in finding.message, finding.message
        assert f"× {minutes}" not in finding.message, finding.message


def test_fhir_push_given_as_a_serviced_period(samples_dir: Path, plugins: Plugins) -> None:
    """The sample's item is a 96413 whose servicedPeriod lasts 12 minutes."""
    claim = json.loads((samples_dir / "fhir" / "home-infusion-medicaid.r4.json").read_bytes())
    [item] = claim["item"]
    item["productOrService"]["coding"][0]["code"] = "96413"
    item["servicedPeriod"] = {
        "start": "2026-01-15T09:00:00-05:00",
        "end": "2026-01-15T09:12:00-05:00",
    }
    data = json.dumps(claim).encode()
    [finding] = scrub(data, plugins).findings
    assert (finding.code, dict(finding.details)["suggested"]) == ("INF011", "96409")
    assert "96413 for 12 min is a push" in finding.message
    fixed = scrub(data, plugins, OPT_IN)
    assert [code for code, _, _ in fhir_items(fixed)] == ["96409"]
    assert scrub(fixed.output, plugins, OPT_IN).findings == ()
