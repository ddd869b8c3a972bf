"""Tests of the halfstack compose rewrite on real compose files (`calver_release.halfstack.compose`)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from calver_release.halfstack.compose import (
    ComposeError,
    ComposeRewrite,
    ContainerPort,
    DumpDecision,
    HalfstackServices,
    HostSide,
    KeptPort,
    PortMapping,
    dump_needed,
    parse_port,
    postgres_major,
    read_compose,
    rewrite_compose,
    service_host_ports,
)

SAMPLES = Path(__file__).parent / "compose_samples"
CURRENT = "docker-compose.halfstack.current.yml"
RELEASE_2309 = "docker-compose.halfstack-2309.yml"
RELEASE_2403 = "docker-compose.halfstack-2403.yml"
UPGRADED_2403 = "docker-compose.halfstack.current-upgraded-2403.yml"
DB = "backendai-half-db"
REDIS = "backendai-half-redis"
ETCD = "backendai-half-etcd"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def compose_text(services: str) -> str:
    """A compose file holding the given `services:` body (dedented, indented by two)."""
    body = "".join(f"  {line}" if line else line for line in dedent(services).splitlines(keepends=True))
    return f'version: "2.4"\nservices:\n{body}'


def rewrite(current: str, target: str, services: HalfstackServices = HalfstackServices(others=())) -> ComposeRewrite:
    return rewrite_compose(current, target, services, "current.yml", "target.yml")


def upgrade_sample() -> ComposeRewrite:
    return rewrite_compose(sample(CURRENT), sample(RELEASE_2403), HalfstackServices(), CURRENT, RELEASE_2403)


def test_rewrite_keeps_host_ports_and_takes_the_rest_from_the_target() -> None:
    result = upgrade_sample()
    assert result.text == sample(UPGRADED_2403)
    assert result.kept_ports == (
        KeptPort(DB, ContainerPort(5432), HostSide(None, "8101")),
        KeptPort(REDIS, ContainerPort(6379), HostSide("127.0.0.1", "8111")),
        KeptPort(ETCD, ContainerPort(2379), HostSide(None, "8121")),
    )
    assert result.notes == (
        f"service `backendai-half-otel-collector` is only in {RELEASE_2403}: kept as that file has it",
        f"service `backendai-half-adminer` is not in {RELEASE_2403}: dropped from {CURRENT}",
        f"`{ETCD}` container port `2380` is new in {RELEASE_2403}: published as that file has it (8122)",
    )


def test_rewrite_changes_only_the_port_lines_byte_for_byte() -> None:
    target_lines = sample(RELEASE_2403).splitlines(keepends=True)
    result_lines = upgrade_sample().text.splitlines(keepends=True)
    assert len(result_lines) == len(target_lines)
    changed = [number for number, (old, new) in enumerate(zip(target_lines, result_lines), 1) if old != new]
    assert changed == [15, 33, 53]
    assert [result_lines[number - 1] for number in changed] == [
        '      - "8101:5432"\n',
        "      - '127.0.0.1:8111:6379'  # single-quoted on purpose: quoting must survive\n",
        '      - "8121:2379"\n',
    ]


def test_rewrite_keeps_every_comment_of_the_target() -> None:
    def comments(text: str) -> list:
        return [line[line.index("#") :] for line in text.splitlines() if "# " in line]

    assert comments(upgrade_sample().text) == comments(sample(RELEASE_2403))
    assert len(comments(sample(RELEASE_2403))) == 6


def test_rewrite_to_the_same_release_gives_back_the_current_file_without_its_comment() -> None:
    result = rewrite_compose(sample(CURRENT), sample(RELEASE_2309), HalfstackServices(), CURRENT, RELEASE_2309)
    expected = sample(CURRENT).replace("  # patched by install-dev.sh", "").replace('"8131:8080"', '"8130:8080"')
    assert (result.text, result.notes) == (expected, ())


def test_unified_diff_shows_the_change_to_the_current_file() -> None:
    current = compose_text(
        """\
        backendai-half-db:
          image: postgres:15.4-alpine
          ports:
            - "8101:5432"
        """
    )
    target = current.replace("15.4", "16.2").replace("8101", "8100")
    assert rewrite(current, target).unified_diff(current) == dedent(
        """\
        --- current.yml (current)
        +++ current.yml (new)
        @@ -1,6 +1,6 @@
         version: "2.4"
         services:
           backendai-half-db:
        -    image: postgres:15.4-alpine
        +    image: postgres:16.2-alpine
             ports:
               - "8101:5432"
        """
    )


@pytest.mark.parametrize(
    "current_ports, target_ports, expected_ports, expected_notes",
    [
        pytest.param(['"8101:5432"'], ["5432"], ['"8101:5432"'], [], id="int-target-gets-quoted-short-syntax"),
        pytest.param(['"8101:5432"'], ['"5432"'], ['"8101:5432"'], [], id="container-only-target"),
        pytest.param(['"5432"'], ['"8100:5432"'], ['"5432"'], [], id="current-not-published-stays-unpublished"),
        pytest.param(["8101:5432"], ["8100:5432"], ["8101:5432"], [], id="plain-scalar-stays-plain"),
        pytest.param(['"8101:5432"'], ['"8100:5432/tcp"'], ['"8101:5432/tcp"'], [], id="explicit-protocol-kept"),
        pytest.param(
            ['"${DB_PORT:-8101}:5432"'], ['"8100:5432"'], ['"${DB_PORT:-8101}:5432"'], [], id="interpolation-verbatim"
        ),
        pytest.param(['"[::1]:8101:5432"'], ['"8100:5432"'], ['"[::1]:8101:5432"'], [], id="ipv6-host"),
        pytest.param(['"127.0.0.1::5432"'], ['"8100:5432"'], ['"127.0.0.1::5432"'], [], id="ip-with-random-port"),
        pytest.param(
            ['"127.0.0.1:8101:5432"  # mine'],
            ['"127.0.0.1:8100:5432"  # keep the gap'],
            ['"127.0.0.1:8101:5432"  # keep the gap'],
            [],
            id="same-length-comment",
        ),
        pytest.param(
            ['"8101:5432"'],
            ['"127.0.0.1:8100:5432"  # gap of two'],
            ['"8101:5432"  # gap of two'],
            [],
            id="shorter-value-keeps-comment-gap",
        ),
        pytest.param(
            ['"8101:5432"', '"8102:5433"'],
            ['"8100:5432"'],
            ['"8101:5432"'],
            [f"`{DB}` container port `5433` is not in target.yml: host side 8102 dropped"],
            id="port-only-in-current-dropped",
        ),
        pytest.param(
            ['"8101:5432"'],
            ['"8100:5432"', '"8100:5432/udp"'],
            ['"8101:5432"', '"8100:5432/udp"'],
            [f"`{DB}` container port `5432/udp` is new in target.yml: published as that file has it (8100)"],
            id="protocol-is-part-of-the-container-port",
        ),
    ],
)
def test_rewrite_short_syntax(current_ports, target_ports, expected_ports, expected_notes) -> None:
    def db_file(ports: list) -> str:
        items = "".join(f"      - {port}\n" for port in ports)
        return f'version: "2.4"\nservices:\n  {DB}:\n    image: postgres:15\n    ports:\n{items}'

    result = rewrite(db_file(current_ports), db_file(target_ports))
    assert (result.text, list(result.notes)) == (db_file(expected_ports), expected_notes)


@pytest.mark.parametrize(
    "current_ports, target_ports, expected_ports, expected_host",
    [
        pytest.param(
            '- "127.0.0.1:8111:6379"',
            "- target: 6379\n  published: 8110\n  protocol: tcp",
            "- target: 6379\n  published: 8111\n  protocol: tcp\n  host_ip: 127.0.0.1",
            HostSide("127.0.0.1", "8111"),
            id="host-ip-added",
        ),
        pytest.param(
            '- "8111:6379"',
            '- target: 6379\n  host_ip: "0.0.0.0"\n  published: "8110"  # quoted',
            '- target: 6379\n  published: "8111"  # quoted',
            HostSide(None, "8111"),
            id="host-ip-removed-quoting-kept",
        ),
        pytest.param(
            "- target: 6379\n  published: 8111",
            '- "8110:6379"',
            '- "8111:6379"',
            HostSide(None, "8111"),
            id="long-current-short-target",
        ),
        pytest.param(
            '- "6379"',
            "- target: 6379\n  published: 8110",
            "- target: 6379",
            HostSide(),
            id="unpublished-current-drops-published",
        ),
    ],
)
def test_rewrite_long_syntax(current_ports: str, target_ports: str, expected_ports: str, expected_host) -> None:
    def redis_file(ports: str) -> str:
        ports_block = "".join(f"      {line}\n" for line in ports.splitlines())
        return compose_text(f"{DB}:\n  image: postgres:15\n{REDIS}:\n  image: redis:7\n  ports:\n") + ports_block

    result = rewrite(redis_file(current_ports), redis_file(target_ports), HalfstackServices(others=(REDIS,)))
    assert (result.text, result.kept_ports) == (
        redis_file(expected_ports),
        (KeptPort(REDIS, ContainerPort(6379), expected_host),),
    )


def test_rewrite_uses_configured_service_names() -> None:
    current = compose_text(
        """\
        db:
          image: postgres:15
          ports: ["8101:5432"]
        cache:
          image: redis:7
          ports:
            - "8111:6379"
        """
    )
    target = current.replace("8101", "8100").replace("8111", "8110")
    result = rewrite(current, target, HalfstackServices(db="db", others=("cache", "coordinator")))
    assert result.text == current
    assert result.kept_ports == (
        KeptPort("db", ContainerPort(5432), HostSide(None, "8101")),
        KeptPort("cache", ContainerPort(6379), HostSide(None, "8111")),
    )
    assert result.notes == ("configured service `coordinator` is in neither file: no ports carried over",)


@pytest.mark.parametrize(
    "indent, dash",
    [
        pytest.param("  ", "  ", id="mapping-2-dash-indented"),
        pytest.param("  ", "", id="mapping-2-dash-flush"),
        pytest.param("    ", "", id="mapping-4-dash-flush"),
        pytest.param("    ", "    ", id="mapping-4-dash-indented"),
    ],
)
def test_rewrite_keeps_the_target_indentation(indent: str, dash: str) -> None:
    def db_file(port: str) -> str:
        lines = ["services:", f"{DB}:", "image: postgres:15", "ports:", f'- "{port}"', "environment:", "- A=1"]
        depths = [0, 1, 2, 2, 2, 2, 2]
        dashes = ["", "", "", "", dash, "", dash]
        return "".join(f"{indent * depth}{extra}{line}\n" for line, depth, extra in zip(lines, depths, dashes))

    result = rewrite(db_file("8101:5432"), db_file("8100:5432"))
    assert (result.text, result.notes) == (db_file("8101:5432"), ())


def test_rewrite_keeps_an_explicit_document_start() -> None:
    current = "---\n" + compose_text(f'{DB}:\n  image: postgres:15\n  ports:\n    - "8101:5432"\n')
    result = rewrite(current, current.replace("8101", "8100"))
    assert (result.text, result.notes) == (current, ())


def test_rewrite_notes_a_target_the_round_trip_reformats() -> None:
    current = compose_text(
        """\
        backendai-half-db:
          image: postgres:15
          ports:
            - "8101:5432"
        """
    )
    target = current.replace("8101", "8100") + "networks:\n  half:\n    driver_opts:\n        com.example: 'x'\n"
    result = rewrite(current, target)
    assert result.text == current + "networks:\n  half:\n    driver_opts:\n      com.example: 'x'\n"
    assert result.notes == ("target.yml: the YAML round trip also reformats lines other than `ports`; review the diff",)


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("8100:5432", PortMapping(ContainerPort(5432), HostSide(None, "8100")), id="host-container"),
        pytest.param(
            "127.0.0.1:8100:5432",
            PortMapping(ContainerPort(5432), HostSide("127.0.0.1", "8100")),
            id="ip-host-container",
        ),
        pytest.param("8100:5432/tcp", PortMapping(ContainerPort(5432), HostSide(None, "8100")), id="explicit-tcp"),
        pytest.param("53:53/udp", PortMapping(ContainerPort(53, "udp"), HostSide(None, "53")), id="udp"),
        pytest.param("5432", PortMapping(ContainerPort(5432), HostSide()), id="container-only-string"),
        pytest.param(5432, PortMapping(ContainerPort(5432), HostSide()), id="container-only-int"),
        pytest.param("[::1]:8100:5432", PortMapping(ContainerPort(5432), HostSide("::1", "8100")), id="ipv6"),
        pytest.param("127.0.0.1::5432", PortMapping(ContainerPort(5432), HostSide("127.0.0.1")), id="random-port"),
        pytest.param("${PG_PORT}:5432", PortMapping(ContainerPort(5432), HostSide(None, "${PG_PORT}")), id="interp"),
        pytest.param("$PG_PORT:5432", PortMapping(ContainerPort(5432), HostSide(None, "$PG_PORT")), id="bare-interp"),
        pytest.param(
            "${BIND:-127.0.0.1}:${PG_PORT:-8100}:5432",
            PortMapping(ContainerPort(5432), HostSide("${BIND:-127.0.0.1}", "${PG_PORT:-8100}")),
            id="interpolated-ip-and-port",
        ),
        pytest.param(
            {"target": 5432, "published": 8100, "host_ip": "127.0.0.1", "protocol": "tcp", "mode": "host"},
            PortMapping(ContainerPort(5432), HostSide("127.0.0.1", "8100")),
            id="long-syntax",
        ),
        pytest.param(
            {"target": "5432", "published": "${PG_PORT:-8100}"},
            PortMapping(ContainerPort(5432), HostSide(None, "${PG_PORT:-8100}")),
            id="long-syntax-strings",
        ),
        pytest.param({"target": 5432}, PortMapping(ContainerPort(5432), HostSide()), id="long-syntax-unpublished"),
    ],
)
def test_parse_port(value, expected: PortMapping) -> None:
    assert parse_port(value, "f.yml", DB) == expected


@pytest.mark.parametrize(
    "value, shown",
    [
        pytest.param("8100-8101:5432-5433", "8100-8101:5432-5433", id="range"),
        pytest.param("8100:${PG_PORT}", "8100:${PG_PORT}", id="interpolated-container-port"),
        pytest.param("8100:5432/http", "8100:5432/http", id="unknown-protocol"),
        pytest.param("localhost:8100:5432", "localhost:8100:5432", id="host-name"),
        pytest.param(":5432", ":5432", id="empty-host"),
        pytest.param(True, "True", id="bool"),
        pytest.param(54.32, "54.32", id="float"),
        pytest.param({"published": 8100}, "{'published': 8100}", id="long-without-target"),
        pytest.param({"target": True}, "{'target': True}", id="long-bool-target"),
        pytest.param({"target": 5432, "published": "8100-8101"}, "{'target': 5432, 'published': '8100-8101'}", id="lr"),
    ],
)
def test_parse_port_refuses_unexpected_forms(value, shown: str) -> None:
    with pytest.raises(ComposeError) as error:
        parse_port(value, "f.yml", DB)
    assert str(error.value) == (
        f"f.yml: service `{DB}` has a port mapping in an unexpected form (got `{shown}`); use `HOST:CONTAINER`, "
        "`IP:HOST:CONTAINER`, `CONTAINER` or the long syntax with a numeric `target`"
    )


def test_service_host_ports_of_the_developer_file() -> None:
    compose = read_compose(sample(CURRENT), CURRENT)
    assert {name: service_host_ports(compose, name) for name in (DB, REDIS, ETCD)} == {
        DB: {ContainerPort(5432): HostSide(None, "8101")},
        REDIS: {ContainerPort(6379): HostSide("127.0.0.1", "8111")},
        ETCD: {ContainerPort(2379): HostSide(None, "8121")},
    }


DB_ONLY = compose_text(f"{DB}:\n  image: postgres:15\n  ports:\n    - \"8100:5432\"\n")


@pytest.mark.parametrize(
    "current, target, message",
    [
        pytest.param(
            compose_text("other:\n  image: x\n"),
            DB_ONLY,
            f"current.yml: no `{DB}` service (got `other`); add the service or configure its name",
            id="db-missing-in-current",
        ),
        pytest.param(
            DB_ONLY,
            compose_text("b:\n  image: x\na:\n  image: y\n"),
            f"target.yml: no `{DB}` service (got `a`, `b`); add the service or configure its name",
            id="db-missing-in-target",
        ),
        pytest.param(
            DB_ONLY.replace('"8100:5432"', '"8100-8101:5432-5433"'),
            DB_ONLY,
            f"current.yml: service `{DB}` has a port mapping in an unexpected form (got `8100-8101:5432-5433`); use "
            "`HOST:CONTAINER`, `IP:HOST:CONTAINER`, `CONTAINER` or the long syntax with a numeric `target`",
            id="bad-port-in-current",
        ),
        pytest.param(
            DB_ONLY,
            DB_ONLY.replace('"8100:5432"', '"${X}:${Y}"'),
            f"target.yml: service `{DB}` has a port mapping in an unexpected form (got `${{X}}:${{Y}}`); use "
            "`HOST:CONTAINER`, `IP:HOST:CONTAINER`, `CONTAINER` or the long syntax with a numeric `target`",
            id="bad-port-in-target",
        ),
        pytest.param(
            DB_ONLY.replace('- "8100:5432"', '- "8100:5432"\n      - "127.0.0.1:8101:5432"'),
            DB_ONLY,
            f"current.yml: service `{DB}` publishes container port `5432` more than once; "
            "keep one mapping per container port",
            id="duplicate-container-port",
        ),
        pytest.param(
            DB_ONLY.replace('\n      - "8100:5432"', ' "8100:5432"'),
            DB_ONLY,
            f"current.yml: `ports` of service `{DB}` is not a list (got `8100:5432`); "
            "write one `- HOST:CONTAINER` entry per port",
            id="ports-not-a-list",
        ),
        pytest.param(
            DB_ONLY,
            "services: [\n",
            "target.yml: not valid YAML (got `expected the node content, but found '<stream end>'` at line 2); "
            "fix the file",
            id="invalid-yaml",
        ),
        pytest.param(
            "version: '2.4'\n",
            DB_ONLY,
            "current.yml: no `services` mapping at the top level; point to a docker compose file",
            id="no-services",
        ),
    ],
)
def test_rewrite_refuses_bad_input(current: str, target: str, message: str) -> None:
    with pytest.raises(ComposeError) as error:
        rewrite(current, target)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "image, major",
    [
        pytest.param("postgres:15.3-alpine", 15, id="alpine"),
        pytest.param("postgres:16", 16, id="major-only"),
        pytest.param("bitnami/postgresql:13.7.0", 13, id="bitnami"),
        pytest.param("docker.io/library/postgres:14.9", 14, id="registry-path"),
        pytest.param("localhost:5000/postgres:12.1", 12, id="registry-with-port"),
        pytest.param("postgis/postgis:15-3.3", 15, id="postgis"),
        pytest.param("timescale/timescaledb:2.11.2-pg15", 15, id="timescale"),
        pytest.param("postgres", None, id="no-tag"),
        pytest.param("localhost:5000/postgres", None, id="registry-port-no-tag"),
        pytest.param("postgres:latest", None, id="latest"),
        pytest.param("postgres:15.3@sha256:" + "0" * 64, None, id="digest-pinned"),
        pytest.param("postgres:${PG_VERSION:-15}", None, id="interpolated"),
        pytest.param("mysql:8.0", None, id="not-postgres"),
    ],
)
def test_postgres_major(image: str, major) -> None:
    compose = read_compose(compose_text(f"{DB}:\n  image: {image!r}\n"), "f.yml")
    assert postgres_major(compose, DB) == major


def test_postgres_major_without_image() -> None:
    assert postgres_major(read_compose(compose_text(f"{DB}:\n  build: .\n"), "f.yml"), DB) is None


@pytest.mark.parametrize(
    "current_image, target_image, expected",
    [
        pytest.param("postgres:15.4-alpine", "postgres:15.6-alpine", DumpDecision(False, 15, 15), id="same-major"),
        pytest.param("postgres:15.4-alpine", "postgres:16.2-alpine", DumpDecision(True, 15, 16), id="major-upgrade"),
        pytest.param("postgres:latest", "postgres:latest", DumpDecision(True, None, None), id="both-unknown"),
        pytest.param("postgres:15", "postgres", DumpDecision(True, 15, None), id="target-unknown"),
    ],
)
def test_dump_needed(current_image: str, target_image: str, expected: DumpDecision) -> None:
    current = read_compose(compose_text(f"{DB}:\n  image: {current_image}\n"), "c.yml")
    target = read_compose(compose_text(f"{DB}:\n  image: {target_image}\n"), "t.yml")
    assert dump_needed(current, target, DB) == expected


def test_sample_releases_differ_in_postgres_major() -> None:
    current = read_compose(sample(CURRENT), CURRENT)
    assert dump_needed(current, read_compose(sample(RELEASE_2403), RELEASE_2403), DB) == DumpDecision(True, 15, 16)
    assert dump_needed(current, read_compose(sample(RELEASE_2309), RELEASE_2309), DB) == DumpDecision(False, 15, 15)
