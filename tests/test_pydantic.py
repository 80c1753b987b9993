"""pydantic.v1 pieces in pydantic v2 models: found, named, and never a silent loss."""

from __future__ import annotations

import warnings

import pytest
from pydantic import BaseModel, v1

import kit
from kit._export._schema import model_schema
from kit._pydantic import MixedPydanticError, mixed_pydantic
from kit.connector import Connector, DefaultConnectorConfiguration

FIELD_MESSAGE = (
    "{name} is declared with pydantic.v1's Field in a pydantic v2 model{base}: pydantic v2 takes that Field as the "
    "default value itself, so the default and the description are lost and the code gets a FieldInfo object; "
    "import Field from pydantic (`from pydantic import Field`)"
)


class PollConfiguration(DefaultConnectorConfiguration):
    frequency: int = v1.Field(60, description="Seconds between two polls")


class PollConnector(Connector):
    configuration: PollConfiguration

    def run(self) -> None:
        while self.running:
            self.push_events_to_intakes(events=["tick"])
            __import__("time").sleep(self.configuration.frequency * 1)


class Page(BaseModel):
    size: int = v1.Field(10)


class Query(BaseModel):
    term: str = ""
    pages: list[Page] = []
    previous: Page | None = None

    @v1.validator("term")
    def strip(cls, value):  # noqa: N805 - a validator's first argument is the class
        return value.strip()

    @v1.root_validator
    def whole(cls, values):  # noqa: N805
        return values


class Clean(BaseModel):
    term: str = ""


def test_a_v1_field_in_a_subclass_of_an_sdk_model_is_named_with_the_fix() -> None:
    assert mixed_pydantic(PollConfiguration) == [
        FIELD_MESSAGE.format(name="PollConfiguration.frequency", base=" (it subclasses DefaultConnectorConfiguration)")
    ]


def test_v1_validators_and_fields_of_nested_models_are_found_once() -> None:
    assert mixed_pydantic(Query) == [
        FIELD_MESSAGE.format(name="Page.size", base=""),
        "Query.strip is a pydantic.v1 validator in a pydantic v2 model: pydantic v2 never calls it; use pydantic's "
        "`field_validator` (`from pydantic import field_validator`)",
        "Query.whole is a pydantic.v1 validator in a pydantic v2 model: pydantic v2 never calls it; use pydantic's "
        "`model_validator` (`from pydantic import model_validator`)",
    ]


def test_clean_models_and_v1_models_have_nothing() -> None:
    class Old(v1.BaseModel):
        size: int = v1.Field(10)

    assert mixed_pydantic(Clean) == []
    assert mixed_pydantic(Old) == []
    assert mixed_pydantic(None) == []


def test_the_manifest_generator_refuses_instead_of_dropping_the_default() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no raw PydanticJsonSchemaWarning either
        with pytest.raises(MixedPydanticError) as info:
            model_schema(PollConfiguration)
    assert str(info.value) == FIELD_MESSAGE.format(
        name="PollConfiguration.frequency", base=" (it subclasses DefaultConnectorConfiguration)"
    )


def test_loading_the_component_warns_before_it_crashes_on_a_field_info() -> None:
    with kit.FakePlatform() as platform:
        with pytest.warns(kit.KitWarning) as caught:
            sim = platform.load(PollConnector, {"intake_key": "k"})
        message = FIELD_MESSAGE.format(
            name="PollConfiguration.frequency", base=" (it subclasses DefaultConnectorConfiguration)"
        )
        assert [str(w.message) for w in caught] == [message]
        assert platform.warnings == [message]
        step = sim.step()
        assert "TypeError: unsupported operand type(s) for *: 'FieldInfo' and 'int'" in step.summary()


def test_a_v1_default_factory_gets_the_schema_pydantic_v2_gives() -> None:
    from pydantic import Field

    class Old(v1.BaseModel):
        status: list[str] = v1.Field(default_factory=list)
        note: str | None = None

    class New(BaseModel):
        status: list[str] = Field(default_factory=list)
        note: str | None = None

    old, new = model_schema(Old), model_schema(New)
    assert old["properties"] == new["properties"]
    assert "default" not in old["properties"]["status"]
