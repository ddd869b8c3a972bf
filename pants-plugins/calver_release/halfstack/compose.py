"""Halfstack compose files: parse port mappings, carry host ports over to a new release's file, read PostgreSQL majors.

Pure core of `halfstack-upgrade` (no `pants` import). The rewrite loads and dumps the target file with
ruamel.yaml's round-trip mode, so comments, key order and quoting survive; only the host side of the
configured services' port mappings changes.

Port mappings in compose's short syntax (`"8100:5432"`, `"127.0.0.1:8100:5432"`, `"8100:5432/tcp"`,
`"5432"`, `5432`) and long syntax (`target`, `published`, `host_ip`, `protocol`) are understood. An
environment interpolation (`${DB_PORT:-8100}`, `$DB_PORT`) is accepted for the host IP and the published
port only, and is carried over verbatim: it is copied, never evaluated. Container ports must be literal
numbers because they are what pairs a current mapping with a target mapping. Port ranges are refused.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Match, NamedTuple, Optional, Sequence, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString, SingleQuotedScalarString

DEFAULT_DB_SERVICE = "backendai-half-db"
DEFAULT_REDIS_SERVICE = "backendai-half-redis"
DEFAULT_ETCD_SERVICE = "backendai-half-etcd"

_INTERPOLATION = r"\$\{[^{}]*\}|\$[A-Za-z_][A-Za-z0-9_]*"
_PUBLISHED = rf"(?:\d+|{_INTERPOLATION})"
_HOST_IP = rf"(?:\d{{1,3}}(?:\.\d{{1,3}}){{3}}|\[[0-9A-Fa-f:.]+\]|{_INTERPOLATION})"
_PROTOCOL = r"(?:/(?P<protocol>tcp|udp|sctp))?"
_SHORT_FORMS = (
    re.compile(rf"(?P<target>\d+){_PROTOCOL}"),
    re.compile(rf"(?P<published>{_PUBLISHED}):(?P<target>\d+){_PROTOCOL}"),
    re.compile(rf"(?P<ip>{_HOST_IP}):(?P<published>{_PUBLISHED})?:(?P<target>\d+){_PROTOCOL}"),
)
_LONG_PUBLISHED = re.compile(_PUBLISHED)
_POSTGRES_TAG_MAJOR = re.compile(r"v?(\d+)(?:[.\-_]|$)")
_TIMESCALE_TAG_MAJOR = re.compile(r"(?:^|-)pg(\d+)(?:[.\-_]|$)")
_BLOCK_KEY = re.compile(r"(\s*)[^\s#-][^#]*:\s*(?:#.*)?$")
_SEQUENCE_ITEM = re.compile(r"(\s*)- ")
_EXPECTED_PORT_FORMS = (
    "use `HOST:CONTAINER`, `IP:HOST:CONTAINER`, `CONTAINER` or the long syntax with a numeric `target`"
)


class ComposeError(ValueError):
    """A compose file is missing, unreadable or has a form the rewrite cannot handle."""


@dataclass(frozen=True)
class HalfstackServices:
    """The services whose host ports are kept: `db` (required in both files, has the PostgreSQL image) and `others`."""

    db: str = DEFAULT_DB_SERVICE
    others: Tuple[str, ...] = (DEFAULT_REDIS_SERVICE, DEFAULT_ETCD_SERVICE)

    def names(self) -> Tuple[str, ...]:
        """The configured names, db first, without duplicates."""
        return tuple(dict.fromkeys((self.db, *self.others)))


@dataclass(frozen=True)
class ContainerPort:
    """The container side of a mapping: what pairs a current mapping with a target mapping."""

    number: int
    protocol: str = "tcp"

    def __str__(self) -> str:
        return str(self.number) if self.protocol == "tcp" else f"{self.number}/{self.protocol}"


@dataclass(frozen=True)
class HostSide:
    """The host side of a mapping; `ip` and `port` are kept as written (digits or an interpolation)."""

    ip: Optional[str] = None
    port: Optional[str] = None

    def short_prefix(self) -> str:
        """The text before the container port in the short syntax: `IP:PORT:`, `PORT:`, `IP::` or empty."""
        if self.ip is None:
            return f"{self.port}:" if self.port is not None else ""
        ip = f"[{self.ip}]" if ":" in self.ip and not self.ip.startswith("$") else self.ip
        return f"{ip}:{self.port or ''}:"

    def __str__(self) -> str:
        return self.short_prefix()[:-1] if self.ip or self.port else "(not published)"


@dataclass(frozen=True)
class PortMapping:
    """One entry of a service's `ports` list."""

    container: ContainerPort
    host: HostSide


@dataclass(frozen=True)
class ComposeFile:
    """A parsed compose file; `document` is ruamel.yaml's round-trip tree, so it can be dumped back."""

    path: str
    document: Any

    @property
    def services(self) -> Mapping[str, Any]:
        """The `services` mapping."""
        return self.document["services"]

    def service(self, name: str) -> Mapping[str, Any]:
        """The named service's mapping; ComposeError when the file has no such service."""
        if name not in self.services:
            raise ComposeError(
                f"{self.path}: no `{name}` service (got {_quoted_list(self.services)}); "
                "add the service or configure its name"
            )
        return self.services[name] or {}


class KeptPort(NamedTuple):
    """A target mapping whose host side was taken from the current file."""

    service: str
    container: ContainerPort
    host: HostSide


@dataclass(frozen=True)
class ComposeRewrite:
    """The new current compose file: the target's text with the developer's host ports."""

    path: str
    text: str
    kept_ports: Tuple[KeptPort, ...]
    notes: Tuple[str, ...]

    def unified_diff(self, current_text: str) -> str:
        """The change from `current_text` to the new text, as a unified diff for `--dry-run`."""
        lines = difflib.unified_diff(
            current_text.splitlines(keepends=True),
            self.text.splitlines(keepends=True),
            fromfile=f"{self.path} (current)",
            tofile=f"{self.path} (new)",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass(frozen=True)
class DumpDecision:
    """Whether the upgrade must dump and restore the database, with the PostgreSQL majors it was decided from."""

    needed: bool
    current_major: Optional[int]
    target_major: Optional[int]


def read_compose(text: str, path: str) -> ComposeFile:
    """Parse a compose file's text; ComposeError when it is not YAML or has no `services` mapping."""
    try:
        document = _round_trip_yaml(text).load(text)
    except YAMLError as error:
        raise ComposeError(f"{path}: not valid YAML ({_yaml_problem(error)}); fix the file") from None
    if not isinstance(document, dict) or not isinstance(document.get("services"), dict):
        raise ComposeError(f"{path}: no `services` mapping at the top level; point to a docker compose file")
    return ComposeFile(path, document)


def parse_port(value: Any, path: str, service: str) -> PortMapping:
    """Parse one `ports` entry; ComposeError naming the file, service and value when its form is unexpected."""
    if isinstance(value, bool):
        raise _port_error(path, service, value)
    if isinstance(value, int):
        return PortMapping(ContainerPort(value), HostSide())
    if isinstance(value, str):
        return _parse_short_port(value, path, service)
    if isinstance(value, dict):
        return _parse_long_port(value, path, service)
    raise _port_error(path, service, value)


def service_host_ports(compose: ComposeFile, service: str) -> Dict[ContainerPort, HostSide]:
    """The service's host side for each container port; ComposeError for a missing service or a bad entry."""
    return {mapping.container: mapping.host for mapping in _service_ports(compose, service)}


def rewrite_compose(
    current_text: str,
    target_text: str,
    services: HalfstackServices,
    current_path: str,
    target_path: str,
) -> ComposeRewrite:
    """The target file's text with the current file's host sides for the configured services' container ports."""
    current = read_compose(current_text, current_path)
    target = read_compose(target_text, target_path)
    for compose in (current, target):
        compose.service(services.db)
    notes = _service_set_notes(current, target, services)
    kept: List[KeptPort] = []
    for name in services.names():
        if name in current.services and name in target.services:
            kept.extend(_carry_host_ports(current, target, name, notes))
    text = _dump(target.document, target_text)
    if _dump(read_compose(target_text, target_path).document, target_text) != target_text:
        notes.append(f"{target_path}: the YAML round trip also reformats lines other than `ports`; review the diff")
    return ComposeRewrite(current_path, text, tuple(kept), tuple(notes))


def postgres_major(compose: ComposeFile, db_service: str) -> Optional[int]:
    """The PostgreSQL major of the db service's image tag; None when the tag does not say (digest, none, `latest`).

    `postgres`, `postgresql` and `postgis` images give the tag's leading number, TimescaleDB its `-pgN` suffix.
    """
    image = compose.service(db_service).get("image")
    if not isinstance(image, str) or "@" in image:
        return None
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return None
    timescale = _TIMESCALE_TAG_MAJOR.search(tag)
    if timescale:
        return int(timescale.group(1))
    postgres = _POSTGRES_TAG_MAJOR.match(tag)
    repository = name.rsplit("/", 1)[-1]
    is_postgres = "postgres" in repository or "postgis" in repository
    return int(postgres.group(1)) if postgres and is_postgres else None


def dump_needed(current: ComposeFile, target: ComposeFile, db_service: str) -> DumpDecision:
    """Dump and restore unless both majors are known and equal: an unknown major is never safe to skip."""
    current_major = postgres_major(current, db_service)
    target_major = postgres_major(target, db_service)
    same = current_major is not None and current_major == target_major
    return DumpDecision(not same, current_major, target_major)


def _parse_short_port(value: str, path: str, service: str) -> PortMapping:
    match = _match_short_port(value)
    if match is None:
        raise _port_error(path, service, value)
    groups = match.groupdict()
    host = HostSide(_unbracket(groups.get("ip")), groups.get("published"))
    return PortMapping(ContainerPort(int(groups["target"]), groups["protocol"] or "tcp"), host)


def _match_short_port(value: str) -> Optional[Match[str]]:
    matches = (form.fullmatch(value) for form in _SHORT_FORMS)
    return next((match for match in matches if match), None)


def _parse_long_port(value: Mapping[str, Any], path: str, service: str) -> PortMapping:
    target = value.get("target")
    published = value.get("published")
    host_ip = value.get("host_ip")
    protocol = value.get("protocol", "tcp")
    published_ok = published is None or _LONG_PUBLISHED.fullmatch(str(published)) is not None
    target_ok = isinstance(target, int) and not isinstance(target, bool) or isinstance(target, str) and target.isdigit()
    if not (target_ok and published_ok and isinstance(host_ip, (str, type(None))) and isinstance(protocol, str)):
        raise _port_error(path, service, dict(value))
    host = HostSide(None if host_ip is None else str(host_ip), None if published is None else str(published))
    return PortMapping(ContainerPort(int(target), protocol), host)


def _service_ports(compose: ComposeFile, service: str) -> List[PortMapping]:
    entries = compose.service(service).get("ports") or []
    if not isinstance(entries, list):
        raise ComposeError(
            f"{compose.path}: `ports` of service `{service}` is not a list (got `{entries}`); "
            "write one `- HOST:CONTAINER` entry per port"
        )
    mappings = [parse_port(entry, compose.path, service) for entry in entries]
    seen = set()
    for mapping in mappings:
        if mapping.container in seen:
            raise ComposeError(
                f"{compose.path}: service `{service}` publishes container port `{mapping.container}` "
                "more than once; keep one mapping per container port"
            )
        seen.add(mapping.container)
    return mappings


def _carry_host_ports(current: ComposeFile, target: ComposeFile, service: str, notes: List[str]) -> List[KeptPort]:
    """Set each target mapping's host side to the current one, in place; report ports on one side only."""
    current_hosts = service_host_ports(current, service)
    entries = target.service(service).get("ports")
    kept = []
    for index, mapping in enumerate(_service_ports(target, service)):
        if mapping.container not in current_hosts:
            notes.append(
                f"`{service}` container port `{mapping.container}` is new in {target.path}: "
                f"published as that file has it ({mapping.host})"
            )
            continue
        host = current_hosts.pop(mapping.container)
        if host != mapping.host:
            _replace_keeping_comment_gap(entries, index, _with_host(entries[index], host))
        kept.append(KeptPort(service, mapping.container, host))
    for container, host in current_hosts.items():
        notes.append(f"`{service}` container port `{container}` is not in {target.path}: host side {host} dropped")
    return kept


def _replace_keeping_comment_gap(container: Any, key: Any, value: Any) -> None:
    """Set `container[key]`, re-adding its end-of-line comment so the gap before it stays as it was.

    The comment is read from ruamel's comment attribute (`ca`) and written back through its public
    `yaml_add_eol_comment`, at the column shifted by the change in the value's length.
    """
    old_length = _rendered_length(container.get(key) if isinstance(container, dict) else container[key])
    container[key] = value
    slots = container.ca.items.get(key) or []
    comment = next((token for token in slots if token is not None and not isinstance(token, list)), None)
    if comment is not None:
        column = comment.start_mark.column + _rendered_length(value) - old_length
        container.yaml_add_eol_comment(comment.value, key, column=column)


def _rendered_length(value: Any) -> int:
    quotes = 2 if isinstance(value, (DoubleQuotedScalarString, SingleQuotedScalarString)) else 0
    return len(str(value)) + quotes if value is not None else 0


def _with_host(entry: Any, host: HostSide) -> Any:
    """The target entry rewritten with `host`, keeping its syntax, quoting and container part."""
    if isinstance(entry, dict):
        _set_or_drop(entry, "published", host.port)
        _set_or_drop(entry, "host_ip", host.ip)
        return entry
    if isinstance(entry, int):
        return DoubleQuotedScalarString(f"{host.short_prefix()}{entry}")
    container_start = _match_short_port(entry).start("target")
    text = host.short_prefix() + entry[container_start:]
    return type(entry)(text) if isinstance(entry, ScalarString) else text


def _set_or_drop(entry: Dict[str, Any], key: str, value: Optional[str]) -> None:
    old = entry.get(key)
    if value is None:
        entry.pop(key, None)
    elif isinstance(old, ScalarString):
        _replace_keeping_comment_gap(entry, key, type(old)(value))
    else:
        as_int = value.isdigit() and not isinstance(old, str)
        _replace_keeping_comment_gap(entry, key, int(value) if as_int else value)


def _service_set_notes(current: ComposeFile, target: ComposeFile, services: HalfstackServices) -> List[str]:
    notes = [
        f"service `{name}` is only in {target.path}: kept as that file has it"
        for name in target.services
        if name not in current.services
    ]
    notes += [
        f"service `{name}` is not in {target.path}: dropped from {current.path}"
        for name in current.services
        if name not in target.services
    ]
    notes += [
        f"configured service `{name}` is in neither file: no ports carried over"
        for name in services.names()
        if name not in current.services and name not in target.services
    ]
    return notes


def _round_trip_yaml(text: str) -> YAML:
    """A round-trip YAML instance that writes block collections with the same indentation as `text`."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping_indent, sequence_offset = _detect_indent(text)
    yaml.indent(mapping=mapping_indent, sequence=sequence_offset + 2, offset=sequence_offset)
    yaml.explicit_start = text.lstrip().startswith("---")
    return yaml


def _detect_indent(text: str) -> Tuple[int, int]:
    """The first nested mapping's indent and the first block sequence's dash offset (compose's 2, 2 by default)."""
    mapping_indent: Optional[int] = None
    sequence_offset: Optional[int] = None
    parent_indent: Optional[int] = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if parent_indent is not None and _SEQUENCE_ITEM.match(line) and indent >= parent_indent:
            sequence_offset = indent - parent_indent if sequence_offset is None else sequence_offset
        elif parent_indent is not None and indent > parent_indent:
            mapping_indent = indent - parent_indent if mapping_indent is None else mapping_indent
        key = _BLOCK_KEY.fullmatch(line)
        parent_indent = len(key.group(1)) if key else None
    return mapping_indent or 2, 2 if sequence_offset is None else sequence_offset


def _dump(document: Any, original_text: str) -> str:
    stream = io.StringIO()
    _round_trip_yaml(original_text).dump(document, stream)
    return stream.getvalue()


def _unbracket(ip: Optional[str]) -> Optional[str]:
    return ip[1:-1] if ip and ip.startswith("[") else ip


def _yaml_problem(error: YAMLError) -> str:
    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        return f"got `{error.problem or error.context}` at line {error.problem_mark.line + 1}"
    return f"got `{str(error).splitlines()[0]}`"


def _port_error(path: str, service: str, value: Any) -> ComposeError:
    return ComposeError(
        f"{path}: service `{service}` has a port mapping in an unexpected form (got `{value}`); {_EXPECTED_PORT_FORMS}"
    )


def _quoted_list(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in sorted(names)) or "no services"
