"""Puts the deployment side together: read the Model Serving deployment, map it, write the files.

Readers, most authoritative first: the live endpoint (`endpoint=`), the MLmodel of a downloaded
model (`model_dir=`, else any MLmodel under the project), the driver code (static). Then the
Apps deployment is planned against the project's existing databricks.yml, and app.yaml,
databricks.yml, the model config file and MIGRATION.md are rendered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from migrate_agent.deploy.map.apps_model import MODEL_CONFIG_FILE, AppsDeployment, EnvEntry
from migrate_agent.deploy.map.apps_plan import choose_app_name, plan_apps
from migrate_agent.deploy.read.code_facts import CodeFacts
from migrate_agent.deploy.read.driver_reader import DriverReader
from migrate_agent.deploy.read.live_endpoint import read_live_endpoint
from migrate_agent.deploy.read.mlmodel_reader import MLMODEL_FILE, find_mlmodel_files, read_mlmodel
from migrate_agent.deploy.read.project_yaml import ProjectYaml, read_project_yaml
from migrate_agent.deploy.read.serving_merge import merge_deployments
from migrate_agent.deploy.read.serving_model import Origin, Problem, ServingDeployment
from migrate_agent.deploy.read.static_eval import StaticEvaluator
from migrate_agent.deploy.rules import manual_step
from migrate_agent.deploy.write.app_yaml_file import APP_YAML_FILES, app_yaml_shape, env_list, render_app_yaml
from migrate_agent.deploy.write.bundle_file import (
    BUNDLE_FILES,
    bundle_shape,
    find_existing_app,
    render_bundle,
    unmergeable_step,
)
from migrate_agent.deploy.write.deploy_commands import deploy_commands, smoke_test
from migrate_agent.deploy.write.file_results import failed_result, file_result, kept_result, read_bytes
from migrate_agent.deploy.write.migration_report import (
    DeployReport,
    has_deploy_block,
    migration_file_text,
    render_json,
    render_markdown,
)
from migrate_agent.deploy.write.yaml_io import dump_yaml
from migrate_agent.model import FileResult, ManualStep

MIGRATION_FILE = "MIGRATION.md"


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeploymentReading:
    """Deploy read: what every source says of the Model Serving deployment, merged."""

    serving: ServingDeployment
    errors: tuple[str, ...]  # a requested source (--endpoint) that could not be read
    live: ServingDeployment | None = None  # what the live endpoint said (read once per run)

    @property
    def pip_requirements(self) -> list[str]:
        """The `pip_requirements=` the deployment logged with, when it is a literal list of strings."""
        found = self.serving.pip_requirements
        value = found.value if found is not None else None
        return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeploymentMapping:
    """Deploy map: the Apps deployment decided item by item, beside the project's own YAML files."""

    apps: AppsDeployment
    steps: tuple[ManualStep, ...]
    bundle: ProjectYaml
    app_yaml: ProjectYaml
    env_from_app_yaml: dict[str, EnvEntry]  # a user's env values, kept in both files
    env_from_config: dict[str, EnvEntry]


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeploymentFiles:
    """Deploy write: the files to create or update, the manual steps and the deploy diff."""

    files: tuple[FileResult, ...]
    steps: tuple[ManualStep, ...]
    markdown: str
    data: dict
    errors: tuple[str, ...] = ()  # a project YAML file that cannot be merged: nothing is written


def read_deployment(
    root: Path, sources: Mapping[str, str], *, model_dir: Path | None, endpoint: str | None,
    live: ServingDeployment | None = None, texts: Mapping[str, str] | None = None,
) -> DeploymentReading:
    """Read the Model Serving deployment: the live endpoint (`live`: as an earlier reading of
    this run found it), the MLmodel, the driver code (`sources`: path -> text of each driver;
    `texts`: what a driver's imports are looked up in before the disk, the drivers by default)."""
    readings = _read_everything(root, sources, texts or sources, model_dir, endpoint, live)
    errors = tuple(problem.message for found in readings for problem in found.problems if problem.fatal)
    return DeploymentReading(
        serving=merge_deployments(readings), errors=errors, live=readings[0] if endpoint else None
    )


def planned_app_name(root: Path, reading: DeploymentReading) -> str:
    """The name of the app the deploy map will choose (the bundle's, else one from the endpoint)."""
    existing, _ = find_existing_app(root, read_project_yaml(root, BUNDLE_FILES))
    return choose_app_name(reading.serving, existing)


def map_deployment(
    root: Path, reading: DeploymentReading, command: list[str], agent_path: str, code: CodeFacts
) -> DeploymentMapping:
    """Map each Model Serving item to its Apps equivalent, against the project's existing
    databricks.yml and app.yaml."""
    bundle = read_project_yaml(root, BUNDLE_FILES, bundle_shape)
    app_yaml = read_project_yaml(root, APP_YAML_FILES, app_yaml_shape)
    existing_app, bundle_steps = find_existing_app(root, bundle)
    apps = plan_apps(reading.serving, command, agent_path, existing_app, root, code)
    steps: list[ManualStep] = list(apps.steps)
    steps += [s for s in bundle_steps if s not in steps]
    # A user's env value in one of app.yaml / the bundle's app config is kept there and used
    # for the other file too, so both say the same (MA114 asks to keep only one of them).
    from_app_yaml = _user_env(app_yaml.data, ("env",), "valueFrom")
    from_config = _user_env(bundle.data, ("resources", "apps", existing_app.key, "config", "env"), "value_from")
    _note_kept_env(apps, {**from_config, **from_app_yaml})
    return DeploymentMapping(
        apps=apps, steps=tuple(steps), bundle=bundle, app_yaml=app_yaml,
        env_from_app_yaml=from_app_yaml, env_from_config=from_config,
    )


def write_deployment(
    root: Path,
    reading: DeploymentReading,
    mapping: DeploymentMapping,
    code: CodeFacts,
    *,
    rules: frozenset[str] | None = None,
) -> DeploymentFiles:
    """Render app.yaml, databricks.yml, the model config file and MIGRATION.md (not written
    here); only the steps of the `rules` selected (None: all) are reported."""
    apps, app_yaml, bundle = mapping.apps, mapping.app_yaml, mapping.bundle
    steps = list(mapping.steps)
    files: list[FileResult] = []
    errors: list[str] = []
    # A file that cannot be merged without losing what the user wrote stops the whole run: the
    # migrated agent would otherwise be deployed with the old command or without its resources.
    if app_yaml.usable:
        text, edits = render_app_yaml(app_yaml, _with_env(apps, mapping.env_from_config))
        files.append(file_result(root, app_yaml.path, text, edits))
    else:
        files.append(failed_result(root, app_yaml.path, app_yaml.error, app_yaml.line))
        steps.append(unmergeable_step(app_yaml))
    if bundle.usable:
        text, edits = render_bundle(bundle, _with_env(apps, mapping.env_from_app_yaml))
        files.append(file_result(root, bundle.path, text, edits))
    else:
        files.append(failed_result(root, bundle.path, bundle.error, bundle.line))
    errors += [f"cannot merge {found.location()}: it {found.error}" for found in (app_yaml, bundle) if not found.usable]
    if apps.model_config is not None:
        files.append(_model_config_file(root, apps.model_config, steps))

    if rules is not None:
        steps = [step for step in steps if step.rule in rules]
    serving = reading.serving
    commands = deploy_commands(apps)
    example = serving.input_example.value if serving.input_example is not None else None
    smoke, placeholder = smoke_test(apps, example)
    report = DeployReport(
        serving=serving,
        apps=apps,
        steps=steps,
        commands=commands,
        smoke_test=smoke,
        placeholder_example=placeholder,
        bundle_path=bundle.path,
        app_yaml_path=app_yaml.path,
        model_serving_calls=code.model_serving_calls,
        retired_endpoint=code.retired_endpoint,
        endpoint_callers=code.endpoint_callers,
    )
    markdown = render_markdown(report)
    files.append(_migration_file(root, markdown, serving))
    return DeploymentFiles(files=tuple(files), steps=tuple(steps), markdown=markdown, data=render_json(report),
                           errors=tuple(errors))


def _user_env(data, path: tuple, value_from_key: str) -> dict[str, EnvEntry]:
    """The env entries a user's YAML file has at `path`, by name."""
    for key in path:
        data = data.get(key) if isinstance(data, dict) and key is not None else None
    found: dict[str, EnvEntry] = {}
    if isinstance(data, dict):  # the mapping form, `env: {NAME: value}`
        data = env_list(data)
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            if item.get(value_from_key) is not None:
                found[item["name"]] = EnvEntry(name=item["name"], value_from=str(item[value_from_key]))
            elif "value" in item:
                found[item["name"]] = EnvEntry(name=item["name"], value=str(item["value"]))
    return found


def _note_kept_env(apps, users: dict[str, EnvEntry]) -> None:
    """The deploy diff says where a user's env value was kept instead of Model Serving's."""
    for index, item in enumerate(apps.items):
        for entry in apps.env:
            user = users.get(entry.name)
            if item.item == f"Env `{entry.name}`" and user is not None and user != entry:
                shown = f"valueFrom `{user.value_from}`" if user.value_from else f"`{user.value}`"
                apps.items[index] = dataclasses.replace(
                    item, apps=f"{shown}, the project's own value (kept)", outcome="kept"
                )


def _with_env(apps, users: dict[str, EnvEntry]):
    """`apps` with the env values a user set elsewhere in place of the migration's."""
    if not users:
        return apps
    return dataclasses.replace(apps, env=[users.get(entry.name, entry) for entry in apps.env])


def _read_everything(
    root: Path, sources: Mapping[str, str], texts: Mapping[str, str], model_dir: Path | None,
    endpoint: str | None, live: ServingDeployment | None = None,
) -> list[ServingDeployment]:
    """What each source says of the Model Serving deployment: the live endpoint (when asked
    for), the MLmodel files, the driver code."""
    found: list[ServingDeployment] = []
    if endpoint:
        found.append(live if live is not None else read_live_endpoint(endpoint))
    if model_dir is not None:
        mlmodel = model_dir if model_dir.name == MLMODEL_FILE and model_dir.is_file() else model_dir / MLMODEL_FILE
        if mlmodel.is_file():
            found.append(read_mlmodel(mlmodel, root))
        else:
            missing = ServingDeployment()
            missing.problems.append(
                Problem(
                    rule="MA101",
                    message=f"no {MLMODEL_FILE} file in the model directory `{model_dir.name}`",
                    origin=Origin(label=model_dir.name),
                )
            )
            found.append(missing)
    else:
        found.extend(read_mlmodel(path, root) for path in find_mlmodel_files(root))
    if sources:
        found.append(DriverReader(StaticEvaluator(root, texts)).read(sources.keys()))
    else:
        found.append(ServingDeployment())  # what reading no driver file finds
    return found


def _model_config_file(root: Path, config: dict, steps: list[ManualStep]) -> FileResult:
    text = dump_yaml(config)
    before = read_bytes(root, MODEL_CONFIG_FILE)
    if before is not None and before != text.encode("utf-8"):
        steps.append(manual_step("MA111", f"{MODEL_CONFIG_FILE} exists with other content than the logged "
                                          "model_config; it was kept: reconcile them by hand", MODEL_CONFIG_FILE))
        return kept_result(root, MODEL_CONFIG_FILE, "exists with other content; kept")
    return file_result(root, MODEL_CONFIG_FILE, text)


def _migration_file(root: Path, markdown: str, serving: ServingDeployment) -> FileResult:
    before = read_bytes(root, MIGRATION_FILE)
    existing = before.decode("utf-8", errors="replace") if before is not None else None
    if not serving.found_anything and has_deploy_block(existing):
        # Nothing read this time (e.g. the driver code was already migrated): keep the report.
        return kept_result(root, MIGRATION_FILE, "no deployment found this time; the earlier report is kept")
    return file_result(root, MIGRATION_FILE, migration_file_text(existing, markdown))
