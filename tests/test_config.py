from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from starlette_c.config import Config, Environ, EnvironError, environ, undefined
from starlette_c.datastructures import CommaSeparatedStrings, Secret


def test_values_come_from_environ_then_file_then_default(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=file\nB=file\n")
    config = Config(path, environ={"A": "env"})
    assert config("A") == "env"
    assert config("B") == "file"
    assert config("C", default="default") == "default"
    assert config.get("C", default=None) is None


def test_missing_key_without_default_raises_key_error() -> None:
    config = Config(environ={})
    with pytest.raises(KeyError) as info:
        config("MISSING")
    assert info.value.args == ("Config 'MISSING' is missing, and has no default.",)


def test_env_file_syntax(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        "# a comment\n"
        "   # an indented comment=1\n"
        "PLAIN=1\n"
        "  SPACED = two words  \n"
        'DOUBLE="quoted"\n'
        "SINGLE='quoted'\n"
        "EQUALS=a=b\n"
        "EMPTY=\n"
        "HASH=x # not a comment\n"
        "no equals sign\n"
        "\n"
    )
    config = Config(path, environ={})
    assert config.file_values == {
        "PLAIN": "1",
        "SPACED": "two words",
        "DOUBLE": "quoted",
        "SINGLE": "quoted",
        "EQUALS": "a=b",
        "EMPTY": "",
        "HASH": "x # not a comment",
    }


def test_env_file_as_string_path_and_encoding(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes("NAME=caf\xe9\n".encode("latin-1"))
    assert Config(str(path), environ={}, encoding="latin-1")("NAME") == "café"
    with pytest.raises(UnicodeDecodeError):
        Config(path, environ={})


@pytest.mark.parametrize("name", ["missing.env", "."])
def test_missing_env_file_warns(tmp_path: Path, name: str) -> None:
    env_file = tmp_path / name
    with pytest.warns(UserWarning, match=f"Config file '{env_file}' not found."):
        config = Config(env_file, environ={})
    assert config.file_values == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("True", True), ("TRUE", True), ("1", True), ("false", False), ("FALSE", False), ("0", False)],
)
def test_bool_cast(value: str, expected: bool) -> None:
    assert Config(environ={"FLAG": value})("FLAG", cast=bool) is expected


@pytest.mark.parametrize(("value", "shown"), [("yes", "yes"), ("On", "on"), ("", ""), (" TRUE", " true"), ("2", "2")])
def test_bool_cast_rejects_other_strings(value: str, shown: str) -> None:
    # NOTE: the message shows the value as compared, folded to lower case, as Starlette's does.
    with pytest.raises(ValueError) as info:
        Config(environ={"FLAG": value})("FLAG", cast=bool)
    assert str(info.value) == f"Config 'FLAG' has value '{shown}'. Not a valid bool."


def test_defaults_are_cast_but_none_is_not() -> None:
    config = Config(environ={})
    assert config("N", cast=int, default="5") == 5
    assert config("B", cast=bool, default="true") is True
    assert config("B", cast=bool, default=False) is False
    assert config("B", cast=bool, default=2) is True
    assert config("N", cast=int, default=None) is None


def test_failed_cast_names_the_cast() -> None:
    config = Config(environ={"PORT": "eighty"})
    with pytest.raises(ValueError) as info:
        config("PORT", cast=int)
    assert str(info.value) == "Config 'PORT' has value 'eighty'. Not a valid int."

    def add_one(value: Any) -> Any:
        return value + 1

    with pytest.raises(ValueError, match="Not a valid add_one."):
        config("PORT", cast=add_one)


def test_cast_errors_other_than_value_and_type_errors_propagate() -> None:
    def explode(value: Any) -> Any:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        Config(environ={"X": "1"})("X", cast=explode)


def test_casts_from_datastructures() -> None:
    config = Config(environ={"SECRET": "hunter2", "HOSTS": "127.0.0.1, localhost"})
    secret = config("SECRET", cast=Secret)
    assert repr(secret) == "Secret('**********')"
    assert str(secret) == "hunter2"
    assert list(config("HOSTS", cast=CommaSeparatedStrings)) == ["127.0.0.1", "localhost"]


def test_env_prefix_applies_to_environ_file_and_messages(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("APP_FROM_FILE=1\nUNPREFIXED=2\n")
    config = Config(path, environ={"APP_DEBUG": "yes", "ENVIRONMENT": "dev"}, env_prefix="APP_")
    assert config("DEBUG") == "yes"
    assert config("FROM_FILE", cast=int) == 1
    with pytest.raises(KeyError, match="Config 'APP_ENVIRONMENT' is missing"):
        config("ENVIRONMENT")
    with pytest.raises(KeyError, match="Config 'APP_UNPREFIXED' is missing"):
        config("UNPREFIXED")


def test_default_config_reads_the_module_environ() -> None:
    config = Config()
    assert config.environ is environ
    assert config.env_prefix == ""
    assert config.file_values == {}


def test_environ_blocks_changes_after_a_read() -> None:
    source: dict[str, str] = {"READ": "1"}
    env = Environ(source)
    env["FRESH"] = "x"
    assert source["FRESH"] == "x"
    del env["FRESH"]
    assert "FRESH" not in source
    assert env["READ"] == "1"
    with pytest.raises(EnvironError) as info:
        env["READ"] = "2"
    assert str(info.value) == "Attempting to set environ['READ'], but the value has already been read."
    with pytest.raises(EnvironError) as info:
        del env["READ"]
    assert str(info.value) == "Attempting to delete environ['READ'], but the value has already been read."
    assert source == {"READ": "1"}


def test_environ_membership_test_counts_as_a_read() -> None:
    env = Environ({})
    assert "LATER" not in env
    with pytest.raises(EnvironError):
        env["LATER"] = "1"


def test_config_lookup_marks_environ_keys_as_read() -> None:
    env = Environ({})
    Config(environ=env)("OPTIONAL", default=None)
    with pytest.raises(EnvironError):
        env["OPTIONAL"] = "too late"


def test_environ_is_a_mapping_view() -> None:
    env = Environ({"A": "1", "B": "2"})
    assert len(env) == 2
    assert list(env) == ["A", "B"]
    assert dict(env) == {"A": "1", "B": "2"}


def test_module_environ_wraps_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STARLETTE_C_TEST_CONFIG_VALUE", "42")
    assert environ._environ is os.environ
    assert Config()("STARLETTE_C_TEST_CONFIG_VALUE", cast=int) == 42


def test_undefined_is_the_default_sentinel() -> None:
    config = Config(environ={})
    with pytest.raises(KeyError):
        config.get("X", default=undefined)


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ('A="x"', "x"),
        ("A='x'", "x"),
        ('A=""', ""),
        ('A="', '"'),
        ('A=""x""', '"x"'),
        ('A="""x"""', '""x""'),
        ("A='\"x\"'", '"x"'),
        ("A=\"x'", "\"x'"),
        ('A="a"b"', 'a"b'),
        ('A="x"y', '"x"y'),
        ('A= " x " ', " x "),
    ],
)
def test_env_file_strips_one_pair_of_matching_quotes(tmp_path: Path, line: str, value: str) -> None:
    path = tmp_path / ".env"
    path.write_text(line + "\n")
    assert Config(path, environ={})("A") == value


def test_a_subclass_reading_the_file_sees_the_prefix_and_environ(tmp_path: Path) -> None:
    class Prefixed(Config):
        def _read_file(self, file_name: str | Path, encoding: str = "utf-8") -> dict[str, str]:
            return {f"{self.env_prefix}SEEN": ",".join(sorted(self.environ))}

    env_file = tmp_path / ".env"
    env_file.write_text("")
    config = Prefixed(env_file, environ={"B": "1", "A": "2"}, env_prefix="APP_")
    assert config.file_values == {"APP_SEEN": "A,B"}
    assert config("SEEN") == "A,B"
