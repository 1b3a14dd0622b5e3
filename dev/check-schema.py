"""Checks that Proto/ and Topics/*.yaml evolve compatibly with the committed baseline (Proto/baseline.json).

The baseline is the FileDescriptorSet protoc builds from Proto/ (the contracts' own files, without the well-known
types they import), in proto3 JSON with descriptor.proto's field names, plus each topic's message type and key from
Topics/*.yaml. Against it, the current files fail the check, each problem naming the file, message and field, when:
  - a message or enum is removed or renamed (a topic's message type included), or a topic is removed;
  - a topic's message type or key changes;
  - a field's number, type (message and enum type names included), cardinality (singular, optional, repeated, map),
    oneof membership or JSON name changes, or a field is renamed;
  - a field is removed without its number and its name both reserved, an enum value without its number and name
    reserved, or a reservation is dropped or reused;
  - an enum value's number changes.
Adding messages, enums, fields, enum values and topics passes; the additions are listed until --update-baseline
records them. Turning a singular field into proto3 `optional` passes too (wire-compatible; docs/event-evolution.md
says what it means for old producers).

Usage: dev/check-schema [--root DIR] [--baseline FILE] [--update-baseline [--accept-breaking]]
  --update-baseline     rewrite the baseline from the current files (refused while a change breaks compatibility)
  --accept-breaking     with --update-baseline: record a deliberate break (a new package on new topics)
Exit status: 0 compatible, 1 breaking changes, 2 the files could not be read or compiled.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from google.protobuf import descriptor_pb2, json_format

FieldProto = descriptor_pb2.FieldDescriptorProto
SCALAR_NAMES = {value: name[len("TYPE_"):].lower() for name, value in FieldProto.Type.items()}
BASELINE_NOTE = ("Written by dev/check-schema --update-baseline: the compatibility baseline of Proto/ and "
                 "Topics/*.yaml. Review its diff with the .proto change; see docs/event-evolution.md.")


class SchemaError(Exception):
    """The contracts cannot be read or compiled: nothing to compare."""


@dataclass
class Schema:
    """The contracts indexed by full name: messages and enums with the file declaring them, and the topics."""

    messages: dict[str, tuple[str, descriptor_pb2.DescriptorProto]] = field(default_factory=dict)
    enums: dict[str, tuple[str, descriptor_pb2.EnumDescriptorProto]] = field(default_factory=dict)
    topics: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, files: list[descriptor_pb2.FileDescriptorProto], topics: dict[str, dict[str, str]]) -> Schema:
        schema = cls(topics=topics)
        for file in files:
            prefix = f"{file.package}." if file.package else ""
            for enum in file.enum_type:
                schema.enums[prefix + enum.name] = (file.name, enum)
            for message in file.message_type:
                schema._add_message(file.name, prefix + message.name, message)
        return schema

    def _add_message(self, file: str, name: str, message: descriptor_pb2.DescriptorProto) -> None:
        self.messages[name] = (file, message)
        for enum in message.enum_type:
            self.enums[f"{name}.{enum.name}"] = (file, enum)
        for nested in message.nested_type:
            self._add_message(file, f"{name}.{nested.name}", nested)

    def is_map_entry(self, type_name: str) -> bool:
        entry = self.messages.get(type_name.lstrip("."))
        return entry is not None and entry[1].options.map_entry

    def type_of(self, f: FieldProto) -> str:
        """The field's type as .proto spells it: `string`, `annals.v1.EventMeta`, `map<string, string>`."""
        if f.type in (FieldProto.TYPE_MESSAGE, FieldProto.TYPE_ENUM):
            name = f.type_name.lstrip(".")
            if f.label == FieldProto.LABEL_REPEATED and self.is_map_entry(name):
                key, value = self.messages[name][1].field
                return f"map<{self.type_of(key)}, {self.type_of(value)}>"
            return name
        return SCALAR_NAMES[f.type]

    def cardinality_of(self, f: FieldProto) -> str:
        if f.label == FieldProto.LABEL_REPEATED:
            return "map" if f.type == FieldProto.TYPE_MESSAGE and self.is_map_entry(f.type_name) else "repeated"
        if f.label == FieldProto.LABEL_REQUIRED:
            return "required"
        return "optional" if f.proto3_optional else "singular"


def oneof_of(message: descriptor_pb2.DescriptorProto, f: FieldProto) -> str | None:
    """The real oneof holding the field; proto3 `optional`'s synthetic oneof is presence, not membership."""
    if not f.HasField("oneof_index") or f.proto3_optional:
        return None
    return message.oneof_decl[f.oneof_index].name


def covered(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether the half-open ranges together cover [start, end)."""
    position = start
    for low, high in sorted(ranges):
        if low <= position < high:
            position = high
        if position >= end:
            return True
    return position >= end


def field_ranges(message: descriptor_pb2.DescriptorProto) -> list[tuple[int, int]]:
    return [(r.start, r.end) for r in message.reserved_range]


def enum_ranges(enum: descriptor_pb2.EnumDescriptorProto) -> list[tuple[int, int]]:
    return [(r.start, r.end + 1) for r in enum.reserved_range]  # inclusive in enums


def reservation(number: int, name: str) -> str:
    return f'`reserved {number}; reserved "{name}";`'


class Comparison:
    """The breaking changes and the additions between the baseline and the current contracts."""

    def __init__(self, old: Schema, new: Schema):
        self.old, self.new = old, new
        self.problems: list[str] = []
        self.additions: list[str] = []
        self.notes: list[str] = []

    def run(self) -> Comparison:
        for name, (file, message) in self.old.messages.items():
            if message.options.map_entry:
                continue  # compared as its map field
            if name not in self.new.messages:
                self.problems.append(f"Proto/{file}: message {name} was removed or renamed: events written with it "
                                     "could no longer be read by name (the annals-type header, proto3 JSON, "
                                     "fields of its type); add the new message beside it instead")
                continue
            new_file, new_message = self.new.messages[name]
            if new_file != file:
                self.notes.append(f"message {name} moved from Proto/{file} to Proto/{new_file} (the wire is unchanged; "
                                  "the Python module that defines it changes)")
            self.compare_message(new_file, name, message, new_message)
        for name, (file, enum) in self.old.enums.items():
            parent = name.rpartition(".")[0]
            if parent in self.old.messages and parent not in self.new.messages:
                continue  # reported with its message
            if name not in self.new.enums:
                self.problems.append(f"Proto/{file}: enum {name} was removed or renamed; add the new enum beside it")
                continue
            new_file, new_enum = self.new.enums[name]
            self.compare_enum(new_file, name, enum, new_enum)
        for name, (file, message) in self.new.messages.items():
            if name not in self.old.messages and not message.options.map_entry:
                self.additions.append(f"Proto/{file}: message {name}")
        for name, (file, enum) in self.new.enums.items():
            if name not in self.old.enums:
                self.additions.append(f"Proto/{file}: enum {name}")
        self.compare_topics()
        return self

    def compare_message(self, file: str, name: str, old: descriptor_pb2.DescriptorProto,
                        new: descriptor_pb2.DescriptorProto) -> None:
        where = f"Proto/{file}: {name}"
        new_by_name = {f.name: f for f in new.field}
        new_by_number = {f.number: f for f in new.field}
        old_names = {f.name for f in old.field}
        for f in old.field:
            current = new_by_name.get(f.name)
            if current is None:
                reuser = new_by_number.get(f.number)
                if reuser is not None:
                    self.problems.append(
                        f"{where}.{f.name} = {f.number}: the field was renamed to {reuser.name}, or its number "
                        f"reused: readers take one for the other (and proto3 JSON names differ); keep the field, or "
                        f"remove it with {reservation(f.number, f.name)} and give {reuser.name} a new number")
                    continue
                missing = []
                if not covered(field_ranges(new), f.number, f.number + 1):
                    missing.append(f"its number ({f.number})")
                if f.name not in new.reserved_name:
                    missing.append(f'its name ("{f.name}")')
                if missing:
                    self.problems.append(
                        f"{where}.{f.name} = {f.number}: the field was removed without reserving "
                        f"{' and '.join(missing)}: a later field could reuse them and misread old events; add "
                        f"{reservation(f.number, f.name)}")
                continue
            self.compare_field(where, old, new, f, current)
        for f in new.field:
            if f.name not in old_names:
                if covered(field_ranges(old), f.number, f.number + 1) or f.name in old.reserved_name:
                    self.problems.append(f"{where}.{f.name} = {f.number}: reuses a number or name the baseline "
                                         "reserved: old events carry another field there; choose a new number and name")
                elif f.number not in {o.number for o in old.field}:
                    self.additions.append(f"{where}.{f.name} = {f.number}")
        for start, end in field_ranges(old):
            if not covered(field_ranges(new), start, end):
                shown = str(start) if end == start + 1 else f"{start} to {end - 1}"
                self.problems.append(f"{where}: reserved {shown} is no longer reserved; keep the reservation")
        for reserved in old.reserved_name:
            if reserved not in new.reserved_name:
                self.problems.append(f'{where}: reserved "{reserved}" is no longer reserved; keep the reservation')

    def compare_field(self, where: str, old_message: descriptor_pb2.DescriptorProto,
                      new_message: descriptor_pb2.DescriptorProto, old: FieldProto, new: FieldProto) -> None:
        here = f"{where}.{old.name}"
        if new.number != old.number:
            self.problems.append(f"{here}: number changed from {old.number} to {new.number}: old events' values "
                                 "would be read as unknown, or as another field; add a new field instead")
        old_type, new_type = self.old.type_of(old), self.new.type_of(new)
        if old_type != new_type:
            self.problems.append(f"{here} = {new.number}: type changed from {old_type} to {new_type}: old events "
                                 "would be misread or refused; add a field of the new type instead")
        old_card, new_card = self.old.cardinality_of(old), self.new.cardinality_of(new)
        if old_card != new_card:
            if (old_card, new_card) == ("singular", "optional"):
                self.notes.append(f"{here} = {new.number}: now proto3 optional (wire-compatible; events from "
                                  "producers built before it read a zero as unset)")
            else:
                self.problems.append(f"{here} = {new.number}: cardinality changed from {old_card} to {new_card}; "
                                     "add a new field instead")
        old_oneof, new_oneof = oneof_of(old_message, old), oneof_of(new_message, new)
        if old_oneof != new_oneof:
            shown = lambda oneof: f"oneof {oneof}" if oneof else "no oneof"  # noqa: E731
            self.problems.append(f"{here} = {new.number}: moved from {shown(old_oneof)} to {shown(new_oneof)}: "
                                 "setting another member would now clear it (or no longer); add a new field instead")
        if old.json_name != new.json_name:
            self.problems.append(f"{here} = {new.number}: proto3 JSON name changed from {old.json_name} to "
                                 f"{new.json_name}: JSON written under the old name (annals publish lines, stored JSON) may "
                                 "no longer parse, and JSON output changes; drop the json_name option")

    def compare_enum(self, file: str, name: str, old: descriptor_pb2.EnumDescriptorProto,
                     new: descriptor_pb2.EnumDescriptorProto) -> None:
        where = f"Proto/{file}: {name}"
        new_by_name = {v.name: v for v in new.value}
        for v in old.value:
            current = new_by_name.get(v.name)
            if current is None:
                reused = [c.name for c in new.value if c.number == v.number]
                if reused:
                    self.problems.append(f"{where}.{v.name} = {v.number}: the value was renamed to {reused[0]}: "
                                         "proto3 JSON and text format carry the name, so old JSON events no longer "
                                         f"parse; keep the name, or add {reservation(v.number, v.name)} and a new value")
                    continue
                missing = []
                if not covered(enum_ranges(new), v.number, v.number + 1):
                    missing.append(f"its number ({v.number})")
                if v.name not in new.reserved_name:
                    missing.append(f'its name ("{v.name}")')
                if missing:
                    self.problems.append(f"{where}.{v.name} = {v.number}: the enum value was removed without reserving "
                                         f"{' and '.join(missing)}; add {reservation(v.number, v.name)}")
            elif current.number != v.number:
                self.problems.append(f"{where}.{v.name}: number changed from {v.number} to {current.number}: old "
                                     "events would read as another value")
        old_names = {v.name for v in old.value}
        for v in new.value:
            if v.name not in old_names:
                if covered(enum_ranges(old), v.number, v.number + 1) or v.name in old.reserved_name:
                    self.problems.append(f"{where}.{v.name} = {v.number}: reuses a number or name the baseline reserved")
                elif v.number not in {o.number for o in old.value}:
                    self.additions.append(f"{where}.{v.name} = {v.number}")
        for start, end in enum_ranges(old):
            if not covered(enum_ranges(new), start, end):
                self.problems.append(f"{where}: reserved {start} to {end - 1} is no longer reserved; keep the reservation")
        for reserved in old.reserved_name:
            if reserved not in new.reserved_name:
                self.problems.append(f'{where}: reserved "{reserved}" is no longer reserved; keep the reservation')

    def compare_topics(self) -> None:
        for topic, old in self.old.topics.items():
            new = self.new.topics.get(topic)
            if new is None:
                self.problems.append(f"Topics/{topic}.yaml: topic {topic} was removed or renamed; its events stay "
                                     "the source of truth of every projection reading it")
                continue
            if new["message_type"] != old["message_type"]:
                self.problems.append(f"Topics/{topic}.yaml: topic {topic}'s message type changed from "
                                     f"{old['message_type']} to {new['message_type']}: its old events are "
                                     f"{old['message_type']}; publish the new type on a new topic")
            if new["key"] != old["key"]:
                self.problems.append(f"Topics/{topic}.yaml: topic {topic}'s key changed from {old['key']} to "
                                     f"{new['key']}: an entity's events would land on other partitions, out of order")
        for topic, new in self.new.topics.items():
            if topic not in self.old.topics:
                self.additions.append(f"Topics/{topic}.yaml: topic {topic} carrying {new['message_type']}")
            message = self.new.messages.get(new["message_type"])
            if message is None:
                self.problems.append(f"Topics/{topic}.yaml: topic {topic} carries {new['message_type']}, "
                                     "which no file in Proto/ defines")
            elif new["key"] not in {f.name for f in message[1].field}:
                self.problems.append(f"Topics/{topic}.yaml: topic {topic} is keyed by {new['key']}, which "
                                     f"{new['message_type']} has no field of that name")


def compile_protos(root: Path) -> list[descriptor_pb2.FileDescriptorProto]:
    """The FileDescriptorProtos of Proto/'s own files, as protoc builds them (as dev/generate-protos does)."""
    proto_dir = root / "Proto"
    names = sorted(str(p.relative_to(proto_dir)) for p in proto_dir.rglob("*.proto"))
    if not names:
        raise SchemaError(f"no .proto files under {proto_dir}")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "descriptors.pb"
        try:
            result = subprocess.run(["protoc", "--include_imports", f"--descriptor_set_out={out}", "-I", str(proto_dir),
                                     *names], capture_output=True, text=True)
        except FileNotFoundError:
            raise SchemaError("protoc not found: run dev/setup (it installs protobuf-compiler)") from None
        if result.returncode != 0:
            raise SchemaError(f"protoc cannot compile Proto/:\n{result.stderr.strip()}")
        descriptor_set = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    return [file for file in descriptor_set.file if file.name in names]


def load_topics(root: Path) -> dict[str, dict[str, str]]:
    topics = {}
    for path in sorted((root / "Topics").glob("*.yaml")):
        try:
            spec = yaml.safe_load(path.read_text())
            topics[spec["name"]] = {"message_type": spec["message_type"], "key": spec["key"]}
        except (yaml.YAMLError, TypeError, KeyError) as error:
            raise SchemaError(f"{path}: not a topic file with name, message_type and key ({error})") from None
    return topics


def load_baseline(path: Path) -> tuple[list[descriptor_pb2.FileDescriptorProto], dict[str, dict[str, str]]]:
    try:
        document = json.loads(path.read_text())
        files = [json_format.ParseDict(f, descriptor_pb2.FileDescriptorProto()) for f in document["files"]]
        return files, document["topics"]
    except FileNotFoundError:
        raise SchemaError(f"no baseline at {path}: run dev/check-schema --update-baseline and commit it") from None
    except (ValueError, KeyError, TypeError, json_format.ParseError) as error:
        raise SchemaError(f"{path} is not a baseline written by dev/check-schema ({error})") from None


def baseline_document(files: list[descriptor_pb2.FileDescriptorProto], topics: dict[str, dict[str, str]]) -> dict:
    return {
        "about": BASELINE_NOTE,
        "topics": dict(sorted(topics.items())),
        "files": [json_format.MessageToDict(f, preserving_proto_field_name=True)
                  for f in sorted(files, key=lambda f: f.name)],
    }


def write_baseline(path: Path, files: list[descriptor_pb2.FileDescriptorProto], topics: dict[str, dict[str, str]]) -> None:
    path.write_text(to_json(baseline_document(files, topics)) + "\n")


def baseline_is_current(path: Path, files: list[descriptor_pb2.FileDescriptorProto],
                        topics: dict[str, dict[str, str]]) -> bool:
    """Whether the baseline records exactly the current contracts (additions and new reservations included)."""
    recorded = json.loads(path.read_text())
    current = baseline_document(files, topics)
    return all(recorded.get(key) == current[key] for key in ("topics", "files"))


def to_json(value: object, indent: str = "") -> str:
    """Indented JSON with each flat object or list on one line: a field or enum value is one line of a diff."""
    inner = indent + "  "
    if isinstance(value, dict) and any(isinstance(v, (dict, list)) for v in value.values()):
        members = [f"{inner}{json.dumps(k)}: {to_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(members) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + to_json(v, inner) for v in value) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dev/check-schema", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the repository (Proto/ and Topics/); default: this script's")
    parser.add_argument("--baseline", type=Path, help="default: ROOT/Proto/baseline.json")
    parser.add_argument("--update-baseline", action="store_true", help="record the current contracts as the baseline")
    parser.add_argument("--accept-breaking", action="store_true", help="with --update-baseline: record a break")
    args = parser.parse_args(argv)
    if args.accept_breaking and not args.update_baseline:
        parser.error("--accept-breaking only goes with --update-baseline")
    baseline = args.baseline or args.root / "Proto" / "baseline.json"
    shown = os.path.relpath(baseline, args.root) if baseline.is_relative_to(args.root) else str(baseline)
    say = lambda line: print(f"dev/check-schema: {line}", file=sys.stderr)  # noqa: E731

    try:
        files, topics = compile_protos(args.root), load_topics(args.root)
        if args.update_baseline and not baseline.exists():
            write_baseline(baseline, files, topics)
            say(f"wrote {shown} ({len(files)} files, {len(topics)} topics)")
            return 0
        old_files, old_topics = load_baseline(baseline)
    except SchemaError as error:
        say(f"error: {error}")
        return 2

    comparison = Comparison(Schema.of(old_files, old_topics), Schema.of(files, topics)).run()
    for note in comparison.notes:
        say(f"note: {note}")
    for problem in comparison.problems:
        print(problem, file=sys.stderr)
    if comparison.problems and not (args.update_baseline and args.accept_breaking):
        say(f"{len(comparison.problems)} breaking change(s) against {shown}; docs/event-evolution.md says how to "
            "evolve an event" + (" (the baseline was not rewritten)" if args.update_baseline else ""))
        return 1
    if args.update_baseline:
        write_baseline(baseline, files, topics)
        recorded = len(comparison.additions) + len(comparison.problems)
        say(f"wrote {shown}: {recorded} change(s) recorded; commit it with the .proto change")
        return 0
    for addition in comparison.additions:
        say(f"added: {addition}")
    if not baseline_is_current(baseline, files, topics):
        what = f"{len(comparison.additions)} addition(s)" if comparison.additions else "changes (reservations, options)"
        say(f"compatible; {what} not yet in {shown}: run dev/check-schema --update-baseline and commit it, so "
            "that later changes are checked against them too")
    else:
        messages = sum(not message.options.map_entry for _, message in comparison.old.messages.values())
        say(f"compatible with {shown} ({messages} messages, {len(topics)} topics)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
