"""The `[release-version]` settings: the goal's options, and the scheme every other goal reads from them."""

from __future__ import annotations

from enum import Enum

from pants.engine.goal import GoalSubsystem
from pants.option.option_types import BoolOption, EnumOption, StrListOption, StrOption
from pants.util.strutil import help_text, softwrap

from calver_release.release.calver import BumpKind, Cadence, Scheme
from calver_release.release.maintained import DEFAULT_REGISTRY


class OutputFormat(Enum):
    TEXT = "text"
    PEP440 = "pep440"
    JSON = "json"


class ReleaseVersionSubsystem(GoalSubsystem):
    name = "release-version"
    help = help_text(
        """
        Show, set, bump or check the monorepo's calendar version, or cut a release branch.

        With no option, prints the version read from the version file, in canonical form with
        the minor as written (`24.09.9`, `26.4.10`). `--set`, `--bump` and `--cut-release` change
        it, writing the scheme's spelling; they are mutually exclusive. `--tag-release` makes the
        release commit and tag, after `--set` or `--bump` when given.
        """
    )

    output_format = EnumOption(
        "--format",
        default=OutputFormat.TEXT,
        help=softwrap(
            """
            How to print the version: `text` (canonical, the minor as written), `pep440` (as
            setuptools writes it) or `json` (with `--check`: the report and its `problems`).
            """
        ),
    )
    set_version = StrOption(
        "--set",
        default=None,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Write this version, in canonical form, to the version file and print `old -> new`.
            Mutually exclusive with `--bump` and `--cut-release`.
            """
        ),
    )
    bump = EnumOption(
        default=None,
        enum_type=BumpKind,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Bump the version and print `old -> new`: `patch`, `minor` (the next release series'
            `.0.dev0`), `dev`, `alpha`, `beta`, `rc` (up the pre-release ladder only), `final`
            or `post`. Mutually exclusive with `--set` and `--cut-release`.
            """
        ),
    )
    cut_release = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            On the main branch at `x.y.0` with a dev or pre-release suffix: create the `x.y`
            release branch at the main branch's tip, then commit the next series' `.dev0` on
            the main branch, together with `x.y` registered in
            `[release-version].maintained_versions_file` (retiring what the rules retire; see
            `--lts`). Refuses, changing nothing, on another branch, with uncommitted changes,
            when the branch or its tag exists, or when the registry is malformed. Mutually
            exclusive with `--set` and `--bump`.
            """
        ),
    )
    maintained = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Print the release lines registered in `[release-version].maintained_versions_file`,
            newest first, each with its status on today's date: `maintained` (regular, or LTS
            through its `retire_after`), `expired` (an LTS line past `retire_after`) or
            `superseded` (a regular line with a newer line registered), then the `edge` channel
            (the newest maintained line) and the `stable` one (the newest maintained LTS line), or
            `none`. Nothing is retired here: a line past its time is shown until a cut, or a
            person, removes it. With `--format=json`, one object (`edge` and `stable` are null
            when no line fits). Mutually exclusive with the other actions.
            """
        ),
    )
    lts = BoolOption(
        default=False,
        help=softwrap(
            """
            With `--cut-release`: register the new line as LTS, with `retire_after` the end of the
            same month one year later. LTS is never inferred. Refused without a cut.
            """
        ),
    )
    tag_release = BoolOption(
        default=False,
        help=softwrap(
            """
            Make the release commit and tag: run the `--check` checks, write the version file
            (after `--set` or `--bump`, when given), run `[release-version].release_commands`,
            commit it all as `release: <version>` and create the annotated tag `<version>`
            (`Release v<version>`). Finals and patch releases are tagged on their release
            branch `x.y`, pre-releases of `x.y.0` on the main branch or `x.y`. Refuses, changing
            nothing, when the tag exists, other files have uncommitted changes, the version is
            a `.dev` version or the branch does not fit it. Never pushes: prints the `git push`
            to run. Combines with `--set` or `--bump`; not with `--cut-release` or `--check`.
            """
        ),
    )
    dry_run = BoolOption(
        default=False,
        help=softwrap(
            """
            With `--tag-release` or `--cut-release`: check everything, then print what would be
            written, committed, tagged and created, changing nothing.
            """
        ),
    )
    check = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Check the release invariants and print one line per problem: the version file's
            canonical form, the per-package version files, the API version, zero-padded pins
            of first-party or calendar-versioned packages, and branch names that collide with
            tags or wear another series' release-branch name, and the registry of maintained lines
            (well formed, every line with its branch). Either spelling of the minor passes. With
            `--format=json`, also prints the version report with its components and `problems`.
            Return code 0 means no problem, 1 means at least one. Mutually exclusive with `--set`,
            `--bump` and `--cut-release`.
            """
        ),
    )
    file = StrOption(
        default="VERSION",
        advanced=True,
        help="The monorepo version file, relative to the build root: one line holding the version.",
    )
    pad_minor = BoolOption(
        default=True,
        advanced=True,
        help=softwrap(
            """
            Write the minor zero-padded to two digits (`24.09.0`, release branch `24.09`), as the
            classic Backend.AI process does. Off writes the unpadded `year.sprint.patch` scheme
            (`26.8.0`). It decides only what `--set`, `--bump`, `--cut-release` and `--tag-release`
            write: versions, tags, branches and registry entries are read in either spelling.
            """
        ),
    )
    cadence = EnumOption(
        default=Cadence.SIX_MONTH,
        advanced=True,
        help=softwrap(
            """
            How `--bump=minor` and `--cut-release` find the next release series: `6-month`
            (`23.03` -> `23.09` -> `24.03`) or `sequential` (`25.19` -> `25.20`).
            """
        ),
    )
    main_branch = StrOption(
        default="main",
        advanced=True,
        help="The branch fixes land on first and release branches are cut from.",
    )
    independent_distributions = StrListOption(
        default=["*-client", "*-client-*", "*-sdk"],
        advanced=True,
        help=softwrap(
            """
            Glob patterns of names of distributions that keep the `version` they declare in
            `provides` (client SDKs released on their own). A distribution that declares no
            `version` is always built with the monorepo version; one that declares a version
            but matches no pattern must declare the monorepo's. A target's `calver_lockstep`
            field overrides this.
            """
        ),
    )
    release_commands = StrListOption(
        default=[],
        advanced=True,
        help=softwrap(
            """
            Commands `--tag-release` runs in the build root after writing the version file and
            before committing, in order, stopping at the first failure (which restores every
            file): e.g. `towncrier build --yes --version {version}`. `{version}` becomes the
            canonical version (`24.09.0`), `{pep440}` its PEP 440 form (`24.9.0`). The files
            they change or create are part of the release commit.
            """
        ),
    )
    package_version_files = StrListOption(
        default=["src/ai/backend/*/VERSION"],
        advanced=True,
        help="Glob patterns of per-package version files that must link to, or equal, the root version file.",
    )
    api_version_file = StrOption(
        default=None,
        advanced=True,
        help="The file declaring the API specification version (`vN.yyyymmdd`) that `--check` validates.",
    )
    api_version_pattern = StrOption(
        default=None,
        advanced=True,
        help=softwrap(
            """
            A regular expression whose first group is the API version inside
            `[release-version].api_version_file`; unset, the whole file is the version.
            """
        ),
    )

    maintained_versions_file = StrOption(
        default=DEFAULT_REGISTRY,
        advanced=True,
        help=softwrap(
            """
            The registry of maintained release lines, relative to the build root (Backend.AI's
            format: a `versions` list of `version`, and for LTS lines `lts: true` and
            `retire_after`). `--cut-release` registers lines in it; `backport` reads its targets
            and `backport --missing` its lines from it.
            """
        ),
    )

    @property
    def scheme(self) -> Scheme:
        return Scheme(pad_minor=self.pad_minor, cadence=self.cadence)
