# BUILD-file macros (see [GLOBAL].build_file_prelude_globs in pants.toml).


def plugin_package(pants_modules=()):
    """The targets of one package of the plugin.

    Modules that import Pants (`pants_modules`) belong to the `pants-plugins` resolve only; every
    other module is the pure core, which the core tests (resolve `core-tests`, with real alembic)
    import as well: a Pants import there fails those tests.
    """
    if pants_modules:
        python_sources(name="pants", sources=list(pants_modules))
    python_sources(
        name="core",
        sources=["*.py", *[f"!{module}" for module in pants_modules]],
        resolve=parametrize("pants-plugins", "core-tests"),
    )


def plugin_tests(
    core=True, rules=(), e2e=False, helpers=False, core_dependencies=(), e2e_dependencies=(), shared_example=False, own_root=()
):
    """The tests of one package, by file name: `*_goal_test.py` and `*_rules_test.py` run the Pants
    layer through `RuleRunner`; `*_e2e_test.py` run the real `./pants` on copies of the example
    monorepo; every other `*_test.py` tests the pure core (resolve `core-tests`, with real alembic).
    Other `.py` files are helpers, importable from both resolves.

    `core`, `rules` (the kinds of RuleRunner test the package has: `"goal"`, `"rules"`), `e2e` and
    `helpers` say which files the package has, so that no glob matches nothing (Pants warns).
    `shared_example`: the end-to-end tests use the `example` fixture. Those of every package run in
    one pytest process (one batch), so they share one copy of the example and its warm pantsd.
    `own_root`: end-to-end test files that build roots of their own, kept out of that batch so they
    run beside it.
    """
    if core:
        python_tests(
            name="core",
            sources=["*_test.py", "!*_goal_test.py", "!*_rules_test.py", "!*_e2e_test.py"],
            resolve="core-tests",
            # alembic runs as `python -m alembic` in a subprocess: no import to infer it from.
            dependencies=["3rdparty:core-tests#alembic", "3rdparty:core-tests#SQLAlchemy", *core_dependencies],
        )
    if rules:
        python_tests(name="rules", sources=[f"*_{kind}_test.py" for kind in rules])
    if e2e:
        # The end-to-end tests copy the example monorepo from the checkout (`CALVER_RELEASE_REPO`,
        # set in pants.toml, to keep its symlinks); these dependencies make Pants re-run them
        # whenever the example, the launcher or the plugin changes.
        dependencies = ["//:example-files", "//:launcher", "//:plugin-files", *e2e_dependencies]
        python_tests(
            name="e2e",
            sources=["*_e2e_test.py", *[f"!{file}" for file in own_root]],
            dependencies=dependencies,
            timeout=1800,
            batch_compatibility_tag="shared-example" if shared_example else None,
        )
        if own_root:
            python_tests(name="e2e-own-root", sources=list(own_root), dependencies=dependencies, timeout=1800)
    if helpers:
        python_sources(name="helpers", sources=["*.py", "!*_test.py"], resolve=parametrize("pants-plugins", "core-tests"))
