"""YAML through libraries: new files written by PyYAML, existing ones edited in place by ruamel."""

from __future__ import annotations

import io
import textwrap

import yaml
from ruamel.yaml import YAML

from migrate_agent.deploy.write.yaml_io import FlowList, MappingEdit, dump_yaml, entry_comment


def test_new_files_are_block_yaml_with_list_items_under_their_key_and_inline_commands() -> None:
    data = {
        "command": FlowList(["python", "start_server.py"]),
        "env": [{"name": "MLFLOW_TRACKING_URI", "value": "databricks"}, {"name": "ID", "value": "123"}],
        "empty": {},
        "note": "café: yes",
    }
    assert dump_yaml(data) == textwrap.dedent("""\
        command: ["python", "start_server.py"]
        env:
          - name: MLFLOW_TRACKING_URI
            value: databricks
          - name: ID
            value: '123'
        empty: {}
        note: 'café: yes'
    """)
    shared = {"a": 1}
    assert "&" not in dump_yaml({"x": shared, "y": shared})  # no aliases
    assert yaml.safe_load(dump_yaml(data)) == data


def test_entry_comment_reads_and_moves_what_ruamel_attaches_after_an_entry() -> None:
    """Guards the one use of ruamel's comment attribute (no public API for it)."""
    session = YAML()
    mapping = session.load("a: 1  # one\n\n# about b\nb:\n  - x  # ex\n  - y\n")
    sequence = mapping["b"]
    assert entry_comment(mapping, "a").value == "# one\n\n# about b\n"
    assert entry_comment(sequence, 0).value == "# ex\n"
    assert entry_comment(sequence, 1) is None and entry_comment(mapping, "missing") is None
    token = entry_comment(mapping, "a")
    entry_comment(mapping, "a", None)
    entry_comment(sequence, 1, token)
    assert entry_comment(mapping, "a") is None
    session.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    session.dump(mapping, out)
    assert out.getvalue() == "a: 1\nb:\n  - x  # ex\n  - y # one\n\n# about b\n"


def test_entries_added_to_a_block_go_before_the_comments_that_end_it() -> None:
    text = "# header\nenv:\n  - name: A\n    value: '1'  # kept\n\n# the end\n"
    edit = MappingEdit(text, yaml.safe_load(text))
    edit.data["env"].append({"name": "B", "value": "2"})
    after, _ = edit.result(exists=True, edits=[])
    assert after == (
        "# header\nenv:\n  - name: A\n    value: '1'  # kept\n  - name: B\n    value: '2'\n\n# the end\n"
    )


def test_an_edited_file_keeps_its_indentation() -> None:
    text = "resources:\n    apps:\n        bot:\n            env:\n            -   name: A\n                value: a\n"
    edit = MappingEdit(text, yaml.safe_load(text))
    edit.data["resources"]["apps"]["bot"]["env"].append({"name": "B", "value": "b"})
    after, _ = edit.result(exists=True, edits=[])
    assert after == text + "            -   name: B\n                value: b\n"
    unchanged = MappingEdit(text, yaml.safe_load(text))
    assert unchanged.result(exists=True, edits=[]) == (text, [])
