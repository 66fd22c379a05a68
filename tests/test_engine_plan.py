"""Plans, identifiers and selectors of the experiment engine (doce contract)."""
import pytest

from engine_task import TASK, make_experiment
from nmfab.errors import NmfabError
from nmfab.experiment import Experiment
from nmfab.experiment.plan import format_value, setting_id


@pytest.mark.parametrize("value, text", [
    (0.1, "0.1"), (0.00001, "0.00001"), (1e-12, "0.000000000001"), (2.0, "2"),
    (2.5, "2.5"), (1e6, "1000000"), (-0.25, "-0.25"), (True, "1"), (False, "0"),
    (88, "88"), ("synth_piano", "synth_piano")])
def test_format_value_plain_positional(value, text):
    assert format_value(value) == text


def test_identifier_sorted_defaults_left_out():
    setting = dict(rank=88, dataset="x", beta=1.0, algorithm="mu", feature="stft", tol=0.0001)
    defaults = dict(feature="stft", tol=1e-4)
    assert setting_id(setting, defaults) == "algorithm=mu+beta=1+dataset=x+rank=88"
    setting["tol"] = 0.00001
    assert setting_id(setting, defaults) == "algorithm=mu+beta=1+dataset=x+rank=88+tol=0.00001"


def test_identifiers_are_file_name_safe(tmp_path):
    exp = make_experiment(tmp_path)
    selected, _ = exp.settings()
    for sid, _ in selected:
        assert "/" not in sid and " " not in sid
        (tmp_path / sid).touch()


@pytest.mark.parametrize("bad", ["a/b", "two words", "x+y", "a,b", "a:b", "a=b", ""])
def test_unsafe_values_rejected(tmp_path, bad):
    exp = make_experiment(tmp_path)
    with pytest.raises(NmfabError, match="factor dataset"):
        exp.add_plan("bad", dataset=bad)


def test_mixed_types_rejected(tmp_path):
    exp = make_experiment(tmp_path)
    with pytest.raises(NmfabError, match="one type"):
        exp.add_plan("bad", rank=[2, "three"])


def ids(exp, selector=None):
    return [sid for sid, _ in exp.settings(selector)[0]]


def test_multiple_plans_no_cross_plan_settings(tmp_path):
    exp = make_experiment(tmp_path)
    selected = ids(exp)
    # euclidean: 2 algorithms x 2 ranks x 2 thresholds; beta: 3 applicable of 2 x 2
    assert len(selected) == 8 + 3 == len(set(selected))
    assert all("dataset=tall" not in s or "threshold" not in s for s in selected)
    assert all("dataset=tall" in s for s in selected if "beta=1" in s)
    assert "algorithm=mu+beta=1+dataset=tall+rank=3" in selected
    assert "algorithm=mu+beta=1+rank=2" not in selected


def test_not_applicable_reported_at_build(tmp_path):
    exp = make_experiment(tmp_path)
    _, skipped = exp.settings()
    assert [sid for sid, _ in skipped] == ["algorithm=hals+beta=1+dataset=tall+rank=3"]
    assert "hals" in skipped[0][1] and "beta" in skipped[0][1]


def test_not_applicable_printed_by_list(tmp_path, capsys):
    assert make_experiment(tmp_path).main(["-l"]) == 0
    captured = capsys.readouterr()
    assert "1 settings not applicable: algorithm=hals+beta=1+dataset=tall+rank=3" in captured.err
    assert "algorithm=hals+beta=1" not in captured.out


def test_selector_values_of_one_factor_and_factors(tmp_path):
    exp = make_experiment(tmp_path)
    assert set(ids(exp, "algorithm=mu+hals,rank=2")) == {
        "algorithm=mu+rank=2", "algorithm=mu+rank=2+threshold=0.1",
        "algorithm=hals+rank=2", "algorithm=hals+rank=2+threshold=0.1"}


def test_selector_union(tmp_path):
    exp = make_experiment(tmp_path)
    union = ids(exp, "algorithm=mu,rank=2:algorithm=hals,dataset=tall")
    assert set(union) == {"algorithm=mu+rank=2", "algorithm=mu+rank=2+threshold=0.1",
                          "algorithm=hals+dataset=tall+rank=3"}


def test_selector_plan_prefix(tmp_path):
    exp = make_experiment(tmp_path)
    assert set(ids(exp, "beta/")) == {"algorithm=mu+beta=1+dataset=tall+rank=3",
                                      "algorithm=mu+dataset=tall+rank=3",
                                      "algorithm=hals+dataset=tall+rank=3"}
    assert ids(exp, "euclidean/rank=3,threshold=0.1") == [
        "algorithm=mu+rank=3+threshold=0.1", "algorithm=hals+rank=3+threshold=0.1"]
    # rank=3 exists in both plans; the prefix keeps only the euclidean ones
    assert all("tall" not in s for s in ids(exp, "euclidean/rank=3"))


def test_selector_defaults_compare_as_strings(tmp_path):
    exp = make_experiment(tmp_path)
    assert set(ids(exp, "beta=2,dataset=tall")) == {"algorithm=mu+dataset=tall+rank=3",
                                                    "algorithm=hals+dataset=tall+rank=3"}
    assert len(ids(exp, "threshold=0")) == 4 + 3


@pytest.mark.parametrize("selector, message", [
    ("rnak=2", "unknown factor 'rnak'.*valid factors: algorithm, beta"),
    ("rank=5", "unknown value '5' for factor rank.*valid values: 2, 3"),
    ("algorithm=mu+nmf", "unknown value 'nmf'.*valid values: mu, hals"),
    ("nope/", "unknown plan 'nope'; valid plans: euclidean, beta"),
    ("beta/threshold=0.1", "unknown value '0.1' for factor threshold in plan beta"),
    ("rank", "must read factor=value"),
    ("dataset=maps", "unknown value 'maps' for factor dataset.*--data DIR .* holds DIR/maps/"),
])
def test_selector_errors_name_valid_choices(tmp_path, selector, message):
    with pytest.raises(NmfabError, match=message):
        make_experiment(tmp_path).settings(selector)


def test_selector_error_is_one_line_exit_2(tmp_path, capsys):
    assert make_experiment(tmp_path).main(["-l", "-s", "rank=5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown value '5' for factor rank") and "\n" not in err


def test_no_plan_is_an_error(tmp_path):
    with pytest.raises(NmfabError, match="add_plan"):
        Experiment("empty", TASK).settings()


def test_selector_matching_no_setting_is_an_error(tmp_path, capsys):
    # rank=2 exists only in plan euclidean, dataset=tall only in plan beta
    exp = make_experiment(tmp_path)
    with pytest.raises(NmfabError, match="selector 'rank=2,dataset=tall' matches no setting"):
        exp.settings("rank=2,dataset=tall")
    for action in (["-c"], ["-d"], ["-R", "-y"]):
        assert exp.main([*action, "-s", "rank=2,dataset=tall"]) == 2
        assert "matches no setting of any plan" in capsys.readouterr().err


def test_identifier_defaults_compare_by_type():
    assert setting_id({"beta": True}, {"beta": 1}) == "beta=1"
    assert setting_id({"beta": 1}, {"beta": "1"}) == "beta=1"
    assert setting_id({"beta": True}, {"beta": True}) == ""
    assert setting_id({"beta": 2.0}, {"beta": 2}) == ""   # a plan mixing ints and floats
