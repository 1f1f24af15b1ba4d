"""What users paste from kaggle.com names the same data set or competition."""

from __future__ import annotations

import pytest

from nbgen.runtime.kaggle_refs import KaggleRef, kaggle_refs, parse_kaggle_ref
from nbgen.runtime.kaggle_text import KaggleError

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
        ("path = kagglehub.dataset_download('owner/cats/versions/3')", CATS),
        ('kagglehub.competition_download("titanic")', TITANIC),
    ],
)
def test_every_pasted_form(pasted: str, expected: KaggleRef) -> None:
    assert parse_kaggle_ref(pasted) == expected


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
    assert kaggle_refs(field) == [CATS, KaggleRef("dataset", "a/b"), TITANIC]
    assert kaggle_refs("") == [] and kaggle_refs(["owner/cats", "titanic"]) == [CATS, TITANIC]
