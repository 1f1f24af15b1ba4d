"""What users paste from kaggle.com names the same data set or competition."""

from __future__ import annotations

import re

import pytest

from nbgen.runtime.kaggle.refs import KaggleRef, kaggle_refs, parse_kaggle_ref
from nbgen.runtime.kaggle.text import KaggleError

CATS = KaggleRef("dataset", "owner/cats")
TITANIC = KaggleRef("competition", "titanic")


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("owner/cats", CATS),
        ("  owner/cats  ", CATS),
        ("titanic", TITANIC),
        ("kaggle datasets download -d owner/cats", CATS),
        ("!kaggle datasets download -d owner/cats --unzip -p data", CATS),
        ("kaggle datasets download --dataset=owner/cats", CATS),
        ("kaggle datasets download owner/cats", CATS),
        ("kaggle competitions download -c titanic", TITANIC),
        ("kaggle competitions download titanic -p in", TITANIC),
        ("https://www.kaggle.com/datasets/owner/cats", CATS),
        ("https://www.kaggle.com/datasets/owner/cats/data?select=a.csv", CATS),
        ("www.kaggle.com/competitions/titanic/overview", TITANIC),
        ("https://www.kaggle.com/c/titanic", TITANIC),
        ('kagglehub.dataset_download("owner/cats")', CATS),
        ('kagglehub.competition_download("titanic")', TITANIC),
        ("kaggle datasets download --unzip owner/cats", CATS),
        ("kaggle datasets download -w --unzip -o -q owner/cats", CATS),
    ],
)
def test_every_pasted_form(pasted: str, expected: KaggleRef) -> None:
    assert parse_kaggle_ref(pasted) == expected


CATS_3 = CATS._replace(version=3)
TRAIN = CATS._replace(file="train.csv")


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("kagglehub.dataset_download('owner/cats', path='train.csv')", TRAIN),
        ('kagglehub.dataset_download(handle="owner/cats", path="train.csv")', TRAIN),
        ("kagglehub.dataset_download('owner/cats', 'train.csv')", TRAIN),
        ("path = kagglehub.dataset_download('owner/cats/versions/3')", CATS_3),
        (
            "kagglehub.dataset_download('owner/cats/versions/3', path='train.csv')",
            TRAIN._replace(version=3),
        ),
        (
            "kagglehub.competition_download('titanic', path='test.csv')",
            TITANIC._replace(file="test.csv"),
        ),
        ("owner/cats/versions/3", CATS_3),
        ("owner/cats/3", CATS_3),
        ("https://www.kaggle.com/datasets/owner/cats/versions/3", CATS_3),
        ("kaggle datasets download -d owner/cats -f train.csv", TRAIN),
        ("kaggle datasets download owner/cats --file=train.csv -p data", TRAIN),
        (
            "kaggle datasets download -d owner/cats/3 -f images/a.png",
            CATS._replace(version=3, file="images/a.png"),
        ),
        ("kaggle competitions download -c titanic -f test.csv", TITANIC._replace(file="test.csv")),
        ("kaggle datasets download --unzip owner/cats -f ./train.csv", TRAIN),
    ],
)
def test_a_file_and_a_version_are_kept(pasted: str, expected: KaggleRef) -> None:
    assert parse_kaggle_ref(pasted) == expected
    assert parse_kaggle_ref(expected.text) == expected  # written back, read the same


@pytest.mark.parametrize(
    ("pasted", "host"),
    [
        ("https://evilkaggle.com/datasets/owner/cats", "evilkaggle.com"),
        ("evilkaggle.com/datasets/owner/cats", "evilkaggle.com"),
        ("https://evil.example/?u=kaggle.com/", "evil.example"),
        ("evil.example/?u=kaggle.com/datasets/owner/cats", "evil.example"),
        ("https://kaggle.com.evil.example/datasets/owner/cats", "kaggle.com.evil.example"),
        ("https://www.kaggle.com@evil.example/datasets/owner/cats", "evil.example"),
        ("http://evil.example/www.kaggle.com/competitions/titanic", "evil.example"),
    ],
)
def test_addresses_on_other_hosts_are_refused_naming_the_host(pasted: str, host: str) -> None:
    with pytest.raises(KaggleError, match=f"is an address on {re.escape(host)}, not kaggle.com"):
        parse_kaggle_ref(pasted)
    with pytest.raises(KaggleError, match=f"是 {re.escape(host)} 上的地址"):
        parse_kaggle_ref(pasted, "zh")


@pytest.mark.parametrize(
    "file", ["../../etc/passwd", "/etc/passwd", "a/../../b", "C:/x", "a\\..\\..\\b", "x\ny",
             "x\u2028y"],
)  # fmt: skip
def test_a_file_that_would_climb_out_is_refused(file: str) -> None:
    with pytest.raises(KaggleError, match="is not a file of the data"):
        parse_kaggle_ref(f"kagglehub.dataset_download('owner/cats', path={file!r})")


def test_what_is_written_back_survives_quotes_and_commas_in_a_file_name() -> None:
    ref = CATS._replace(file='it\'s "a", b.csv', version=12)
    assert kaggle_refs(f"titanic, {ref.text}") == [TITANIC, ref]


@pytest.mark.parametrize(
    "pasted", ["", "kaggle kernels pull x/y", "https://www.kaggle.com/code/x/y", "a b c", "../x"]
)
def test_what_names_no_data_is_refused_in_either_language(pasted: str) -> None:
    with pytest.raises(KaggleError, match="does not name Kaggle data"):
        parse_kaggle_ref(pasted)
    with pytest.raises(KaggleError, match="不是 Kaggle 数据"):
        parse_kaggle_ref(pasted, "zh")


def test_a_form_field_holds_several_separated_by_commas() -> None:
    field = 'owner/cats, kagglehub.dataset_download("a/b", path="x,y.csv"); titanic, owner/cats'
    assert kaggle_refs(field) == [CATS, KaggleRef("dataset", "a/b", "x,y.csv"), TITANIC]
    assert kaggle_refs("") == [] and kaggle_refs(["owner/cats", "titanic"]) == [CATS, TITANIC]
