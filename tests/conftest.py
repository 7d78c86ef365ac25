pytest_plugins = [
    "tests.support.postgres",
    "tests.fakeslack.plugin",
    "tests.support.harness",
]
