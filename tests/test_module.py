"""kit.module: configuration from dicts and models (pydantic v2 and v1), manifest rules, registration."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field
from pydantic import v1 as pydantic_v1

import kit
from kit.exceptions import CommandNotFoundError, ModuleConfigurationError


class Config(BaseModel):
    base_url: str
    api_key: str = Field(json_schema_extra={"secret": True})
    retries: int = 3


class ConfiguredModule(kit.Module):
    configuration: Config


class V1Config(pydantic_v1.BaseModel):
    base_url: str


class V1Module(kit.Module):
    configuration: V1Config


def test_dict_becomes_the_annotated_model():
    module = ConfiguredModule()
    module._manifest = {}
    module.configuration = {"base_url": "https://x", "api_key": "k"}
    assert module.configuration == Config(base_url="https://x", api_key="k", retries=3)


def test_v1_models_work():
    module = V1Module()
    module._manifest = {}
    module.configuration = {"base_url": "https://x"}
    assert isinstance(module.configuration, V1Config)


def test_invalid_configuration_names_each_field_and_masks_secrets():
    module = ConfiguredModule()
    module._manifest = {}
    with pytest.raises(ModuleConfigurationError) as error:
        module.configuration = {"api_key": 12345678, "retries": "many"}
    assert str(error.value) == (
        "ModuleConfigurationError: module configuration of ConfiguredModule (Config) is invalid (3 errors):\n"
        "  - base_url: required field is missing\n"
        "  - api_key: got ***: Input should be a valid string\n"
        "  - retries: got 'many': Input should be a valid integer, unable to parse string as an integer\n"
        "Fix these fields in the module configuration you pass."
    )


def test_manifest_required_properties_are_checked_first():
    module = kit.Module()
    module._manifest = {"configuration": {"properties": {"a": {}, "b": {}}, "required": ["a", "b"]}}
    with pytest.raises(ModuleConfigurationError) as error:
        module.configuration = {"a": 1}
    assert str(error.value) == "ModuleConfigurationError: Module configuration requires properties that were not found: ['b']"


def test_secrets_and_set_secrets():
    module = kit.Module()
    module._manifest = {"configuration": {"properties": {"a": {}, "key": {}}, "secrets": ["key"]}}
    module.configuration = {"a": 1}
    assert module.has_secrets()
    module.set_secrets({"key": "v"})
    assert module.secrets == {"key": "v"}


def test_register_and_run_unknown_command():
    class T(kit.Trigger):
        def run(self):
            pass

    module = kit.Module()
    module.register(T, "my_trigger")
    assert T.name == "my_trigger"
    module._command = "other"
    with pytest.raises(CommandNotFoundError) as error:
        module.run()
    assert str(error.value) == "CommandNotFoundError: Could not find any Action or Trigger matching command 'other'"


def test_manifest_is_read_from_the_working_directory(tmp_path):
    (tmp_path / "manifest.json").write_text('{"name": "Acme", "slug": "acme"}')
    module = kit.Module()
    module.set_working_directory(tmp_path)
    assert module.name == "Acme"
    empty = kit.Module()
    empty.set_working_directory(tmp_path / "nowhere")
    assert empty.manifest == {} and empty.name == "name missing from manifest"
