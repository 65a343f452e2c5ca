"""The `allure-connect` command-line tool, built on the SDK."""
