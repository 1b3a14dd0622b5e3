"""Tests dev/check-schema: each kind of breaking change to a copy of Proto/ or Topics/ fails naming the field,
and additions pass. Standard library only (unittest), so dev/test runs it right after dev/setup:

    .venv/bin/python Tests/schema/test_check_schema.py        (pytest collects it too)
"""
import contextlib
import importlib.util
import io
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "dev" / "check-schema.py"
# Loaded once and called in-process (its main returns the exit status): a process per case would cost seconds.
_spec = importlib.util.spec_from_file_location("check_schema", CHECKER)
check_schema = sys.modules["check_schema"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_schema)

STORY = "annals/v1/story_event.proto"
DOCUMENT = "annals/v1/document_ingested.proto"
METRIC = "annals/v1/metric_sample.proto"
META = "annals/v1/meta.proto"
ALL_PROTOS = (STORY, DOCUMENT, METRIC, META, "annals/v1/scale_decision.proto")
STORY_TOPIC = "../Topics/story-event.yaml"  # relative to Proto/

# (name, edits [(file under Proto/, old text, new text)], what the checker must say)
BREAKING = [
    ("field number changed", [(STORY, "string world_id = 2;", "string world_id = 12;")],
     ["Proto/annals/v1/story_event.proto: annals.v1.StoryEvent.world_id: number changed from 2 to 12"]),
    ("field type changed", [(STORY, "uint64 sequence = 3;", "int64 sequence = 3;")],
     ["annals.v1.StoryEvent.sequence = 3: type changed from uint64 to int64"]),
    ("field message type changed", [(STORY, "DeclaredRelationship relationship = 1;", "DeclaredConcept relationship = 1;")],
     ["annals.v1.RelationshipUpdate.relationship = 1: type changed from annals.v1.DeclaredRelationship to "
      "annals.v1.DeclaredConcept"]),
    ("field removed without reserved", [(STORY, "  string summary = 6;\n", "")],
     ['annals.v1.StoryEvent.summary = 6: the field was removed without reserving its number (6) and its name ("summary")']),
    ("field removed with only its number reserved", [(STORY, "  string summary = 6;\n", "  reserved 6;\n")],
     ['annals.v1.StoryEvent.summary = 6: the field was removed without reserving its name ("summary")']),
    ("field renamed", [(META, "string producer = 3;", "string service = 3;")],
     ["Proto/annals/v1/meta.proto: annals.v1.EventMeta.producer = 3: the field was renamed to service"]),
    ("enum value removed without reserved", [(METRIC, "  TIER_BRONZE = 3;\n", "")],
     ["annals.v1.Tier.TIER_BRONZE = 3: the enum value was removed without reserving its number (3)"]),
    ("nested enum value removed with only its name reserved",
     [(STORY, "    CHANGE_REMOVE = 2;\n", '    reserved "CHANGE_REMOVE";\n')],
     ["annals.v1.RelationshipUpdate.Change.CHANGE_REMOVE = 2: the enum value was removed without reserving its number (2)"]),
    ("message renamed", [(p, "EventMeta", "Metadata") for p in ALL_PROTOS],
     ["Proto/annals/v1/meta.proto: message annals.v1.EventMeta was removed or renamed",
      "annals.v1.StoryEvent.meta = 1: type changed from annals.v1.EventMeta to annals.v1.Metadata"]),
    ("topic's message type renamed",
     [(STORY, "message StoryEvent {", "message StoryRecord {"),
      (STORY_TOPIC, "annals.v1.StoryEvent", "annals.v1.StoryRecord")],
     ["Topics/story-event.yaml: topic story-event's message type changed from annals.v1.StoryEvent to annals.v1.StoryRecord",
      "message annals.v1.StoryEvent was removed or renamed"]),
    ("topic's message type changed", [(STORY_TOPIC, "annals.v1.StoryEvent", "annals.v1.DocumentIngested")],
     ["topic story-event's message type changed from annals.v1.StoryEvent to annals.v1.DocumentIngested"]),
    ("topic's key changed", [(STORY_TOPIC, "key: world_id", "key: kind")],
     ["topic story-event's key changed from world_id to kind"]),
    ("singular field made repeated", [(STORY, "string kind = 4;", "repeated string kind = 4;")],
     ["annals.v1.StoryEvent.kind = 4: cardinality changed from singular to repeated"]),
    ("map made repeated", [(STORY, "map<string, string> attributes = 5;", "repeated string attributes = 5;")],
     ["annals.v1.ConceptUpdate.attributes = 5: type changed from map<string, string> to string",
      "annals.v1.ConceptUpdate.attributes = 5: cardinality changed from map to repeated"]),
    ("optional field made singular", [(METRIC, "optional double gpu_utilization = 5;", "double gpu_utilization = 5;")],
     ["annals.v1.MetricSample.gpu_utilization = 5: cardinality changed from optional to singular"]),
    ("field moved into a oneof", [(DOCUMENT, "  string title = 5;\n", "  oneof heading {\n    string title = 5;\n  }\n")],
     ["Proto/annals/v1/document_ingested.proto: annals.v1.DocumentIngested.title = 5: moved from no oneof to oneof heading"]),
    ("JSON name changed", [(DOCUMENT, "string source = 6;", 'string source = 6 [json_name = "origin"];')],
     ["annals.v1.DocumentIngested.source = 6: proto3 JSON name changed from source to origin"]),
]

COMPATIBLE = [
    ("field removed with its number and name reserved",
     [(STORY, "  string summary = 6;\n", '  reserved 6;\n  reserved "summary";\n')],
     ["compatible; changes (reservations, options) not yet in Proto/baseline.json: run dev/check-schema --update-baseline"]),
    ("enum value removed with its number and name reserved",
     [(METRIC, "  TIER_BRONZE = 3;\n", '  reserved 3;\n  reserved "TIER_BRONZE";\n')], []),
    ("singular field made optional",
     [(METRIC, "bool spot_interruption_notice = 10;", "optional bool spot_interruption_notice = 10;")],
     ["note: Proto/annals/v1/metric_sample.proto: annals.v1.MetricSample.spot_interruption_notice = 10: now proto3 optional"]),
    ("field, message, enum value and topic added",
     [(STORY, "  repeated RelationshipUpdate relationship_updates = 9;\n",
       "  repeated RelationshipUpdate relationship_updates = 9;\n  string location = 10;\n"),
      (METRIC, "  TIER_BRONZE = 3;\n", "  TIER_BRONZE = 3;\n  TIER_SPOT = 4;\n"),
      (META, "  string trace_id = 5;\n}\n", "  string trace_id = 5;\n}\n\nmessage WorldClosed {\n  EventMeta meta = 1;\n}\n"),
      ("../Topics/world-closed.yaml", "", "name: world-closed\nmessage_type: annals.v1.WorldClosed\nkey: meta\n")],
     ["added: Proto/annals/v1/story_event.proto: annals.v1.StoryEvent.location = 10",
      "added: Proto/annals/v1/metric_sample.proto: annals.v1.Tier.TIER_SPOT = 4",
      "added: Proto/annals/v1/meta.proto: message annals.v1.WorldClosed",
      "added: Topics/world-closed.yaml: topic world-closed carrying annals.v1.WorldClosed",
      "4 addition(s) not yet in Proto/baseline.json"]),
]


class CheckSchemaTests(unittest.TestCase):
    def setUp(self):
        self.copy_repository()

    def copy_repository(self):
        """A fresh copy of Proto/ (with its baseline) and Topics/ in a directory removed after the test."""
        scratch = tempfile.TemporaryDirectory()
        self.addCleanup(scratch.cleanup)
        self.root = Path(scratch.name)
        shutil.copytree(ROOT / "Proto", self.root / "Proto")
        shutil.copytree(ROOT / "Topics", self.root / "Topics")

    def check(self, *arguments):
        output = io.StringIO()
        with contextlib.redirect_stderr(output), contextlib.redirect_stdout(output):
            status = check_schema.main(["--root", str(self.root), *arguments])
        return status, output.getvalue()

    def edit(self, path, old, new):
        file = self.root / "Proto" / path
        text = file.read_text() if file.exists() else ""
        self.assertIn(old, text, f"the test's edit no longer applies to {path}")
        file.write_text(text.replace(old, new))

    def test_the_repository_contracts_match_their_baseline(self):
        result = subprocess.run([str(ROOT / "dev" / "check-schema")], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("compatible with Proto/baseline.json", result.stderr)
        self.assertNotIn("not yet in", result.stderr, "run dev/check-schema --update-baseline and commit it")

    def test_each_breaking_change_fails_naming_the_field(self):
        for name, edits, expected in BREAKING:
            with self.subTest(name):
                self.copy_repository()
                for edit in edits:
                    self.edit(*edit)
                status, output = self.check()
                self.assertEqual(status, 1, output)
                for line in expected:
                    self.assertIn(line, output)

    def test_compatible_changes_pass(self):
        for name, edits, expected in COMPATIBLE:
            with self.subTest(name):
                self.copy_repository()
                for edit in edits:
                    self.edit(*edit)
                status, output = self.check()
                self.assertEqual(status, 0, output)
                for line in expected:
                    self.assertIn(line, output)

    def test_recorded_additions_are_guarded_and_breaks_are_not_recorded(self):
        self.edit(STORY, "  string summary = 6;\n", '  reserved 6;\n  reserved "summary";\n  string location = 10;\n')
        self.assertEqual(self.check("--update-baseline")[0], 0)
        status, output = self.check()
        self.assertEqual((status, "not yet in" in output), (0, False), output)

        self.edit(STORY, "  string location = 10;\n", "")
        self.edit(STORY, '  reserved "summary";\n', '  string summary = 11;\n')
        baseline = (self.root / "Proto" / "baseline.json").read_text()
        status, output = self.check("--update-baseline")
        self.assertEqual(status, 1, output)
        self.assertIn('annals.v1.StoryEvent.location = 10: the field was removed without reserving its number (10) '
                      'and its name ("location")', output)
        self.assertIn('annals.v1.StoryEvent: reserved "summary" is no longer reserved', output)
        self.assertIn("annals.v1.StoryEvent.summary = 11: reuses a number or name the baseline reserved", output)
        self.assertIn("the baseline was not rewritten", output)
        self.assertEqual((self.root / "Proto" / "baseline.json").read_text(), baseline)


if __name__ == "__main__":
    unittest.main()
