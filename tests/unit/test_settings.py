import pytest

from bot.settings import ConfigurationError, load_settings


def test_defaults_run_on_a_laptop():
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/toptraject.db")
    assert settings.rasa_host == "127.0.0.1"
    assert (settings.rasa_port, settings.action_port, settings.web_port) == (5005, 5055, 8080)
    assert settings.action_url == "http://127.0.0.1:5055/webhook"


def test_environment_overrides_defaults():
    settings = load_settings(
        {"DATABASE_URL": "postgresql://u:p@db/toptraject", "RASA_PORT": "6005", "WEB_PORT": "9000"}
    )
    assert settings.database_url == "postgresql://u:p@db/toptraject"
    assert settings.rasa_url == "http://127.0.0.1:6005"
    assert settings.web_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize("name", ["SECRET_KEY", "RASA_TOKEN"])
def test_production_refuses_missing_secrets(name):
    env = {"TOPTRAJECT_ENV": "production", "SECRET_KEY": "s", "RASA_TOKEN": "t"}
    del env[name]
    with pytest.raises(ConfigurationError, match=name):
        load_settings(env)


def test_production_with_secrets_is_fine():
    settings = load_settings({"TOPTRAJECT_ENV": "production", "SECRET_KEY": "s", "RASA_TOKEN": "t"})
    assert settings.is_production
    assert settings.secret_key == "s"


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_bad_ports_are_refused(value):
    with pytest.raises(ConfigurationError, match="RASA_PORT"):
        load_settings({"RASA_PORT": value})


@pytest.mark.parametrize("host_variable", ["RASA_HOST", "ACTION_HOST", "WEB_HOST"])
def test_development_secrets_never_serve_beyond_this_machine(host_variable):
    with pytest.raises(ConfigurationError, match="development defaults are public"):
        load_settings({host_variable: "0.0.0.0"})
    with pytest.raises(ConfigurationError, match="RASA_TOKEN"):
        load_settings(
            {host_variable: "192.168.1.20", "SECRET_KEY": "k" * 40, "RASA_TOKEN": "short"}
        )
    strong = {"SECRET_KEY": "k" * 40, "RASA_TOKEN": "t" * 40}
    assert load_settings({host_variable: "0.0.0.0", **strong}).secret_key == "k" * 40
    assert load_settings({host_variable: "::1"}).secret_key  # loopback: defaults are fine
    assert load_settings({host_variable: "localhost"}).secret_key
