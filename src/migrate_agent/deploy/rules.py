"""The deployment rules (MA101...): one id per kind of manual step, with its help text.

Every ManualStep the deployment side emits carries one of these ids; the help text says what
the person must do. Keep ids stable: users grep for them in MIGRATION.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate_agent.model import ManualStep


@dataclass(frozen=True, kw_only=True)
class DeployRule:
    """A deployment rule (MA101...): its id, title and help text."""

    id: str
    title: str
    help: str


DEPLOY_RULES: tuple[DeployRule, ...] = (
    DeployRule(
        id="MA101",
        title="value not readable statically",
        help="A value of the Model Serving deployment (a resource, an environment variable, the model "
        "config...) is computed at run time or comes from outside the project, so it was not read. "
        "Find its value and add the matching entry to databricks.yml / app.yaml by hand.",
    ),
    DeployRule(
        id="MA102",
        title="UC model service has no app resource",
        help="DatabricksUCModelService has no Databricks Apps resource type. Grant the app's service "
        "principal access to the model service yourself (Unity Catalog permissions), after the "
        "first deploy has created the service principal.",
    ),
    DeployRule(
        id="MA103",
        title="Genie space needs its name",
        help="An app's genie_space resource requires the space's name, but the Model Serving "
        "deployment only knows its id. The name was set to the id as a placeholder: replace it "
        "with the Genie space's title in databricks.yml.",
    ),
    DeployRule(
        id="MA104",
        title="Databricks credentials in the environment",
        help="DATABRICKS_TOKEN / DATABRICKS_HOST (and DATABRICKS_CLIENT_ID / _SECRET) were dropped: an app "
        "authenticates as its own service principal, and setting them overrides that and breaks it. "
        "Make sure the code does not expect them, and grant the resources it needs on the app "
        "instead.",
    ),
    DeployRule(
        id="MA105",
        title="secret not written inline",
        help="An environment variable looks like a credential but is not a plain {{secrets/scope/key}} "
        "reference, so its value was not copied. Store it in a secret scope, add a secret resource "
        "to the app and reference it with valueFrom.",
    ),
    DeployRule(
        id="MA106",
        title="GPU workload",
        help="The endpoint runs on a GPU workload type; Databricks Apps run on CPU only. Keep the model "
        "that needs a GPU on a Model Serving endpoint and have the app query it (serving_endpoint "
        "resource, CAN_QUERY).",
    ),
    DeployRule(
        id="MA107",
        title="instance profile",
        help="instance_profile_arn has no Apps equivalent: an app cannot assume an AWS instance profile. "
        "Reach the cloud resources through a Unity Catalog connection, volume or service "
        "credential, or put keys in a secret scope.",
    ),
    DeployRule(
        id="MA108",
        title="AI Gateway features",
        help="AI Gateway inference tables, guardrails, rate limits and usage tracking of the endpoint "
        "have no Apps equivalent. Use MLflow tracing to the app's experiment (production "
        "monitoring) instead of inference tables, and re-implement the rest in the app if needed.",
    ),
    DeployRule(
        id="MA109",
        title="traffic split",
        help="The endpoint splits traffic between several served entities; an app runs one version of "
        "the code. Deploy one app per variant (or route in the code) and retire the split.",
    ),
    DeployRule(
        id="MA110",
        title="on-behalf-of-user access",
        help="Resources reached with the invoking user's credentials need Databricks Apps user "
        "authorization: a workspace admin must enable it, the app must request user_api_scopes, and "
        "the code must use the user's token from the X-Forwarded-Access-Token header. Apps check scope "
        "names on deploy: replace any Model Serving scope they reject with its Apps counterpart.",
    ),
    DeployRule(
        id="MA111",
        title="model config",
        help="The model_config of the logged model could not be turned into the YAML file the app loads "
        "with ModelConfig(development_config=...), or that file already exists with other content. "
        "Write or reconcile it by hand.",
    ),
    DeployRule(
        id="MA112",
        title="files outside the app source",
        help="code_paths or artifacts of the logged model point outside the project (or to remote "
        "URIs), so they will not be uploaded with the app's source. Copy them into the project or "
        "read them from a Unity Catalog volume at run time.",
    ),
    DeployRule(
        id="MA113",
        title="unknown resource kind",
        help="A resource of the Model Serving deployment is of a kind this tool does not know. Look up "
        "its Databricks Apps resource type and add it to databricks.yml by hand.",
    ),
    DeployRule(
        id="MA114",
        title="existing app files need a look",
        help="The project's existing databricks.yml or app.yaml could not be merged automatically "
        "(several apps, apps in included files, or unreadable YAML). Check them by hand.",
    ),
    DeployRule(
        id="MA115",
        title="live endpoint not read",
        help="The live serving endpoint could not be read with databricks-sdk (auth, network or "
        "permission). Fix the Databricks authentication and run again, or compare by hand.",
    ),
    DeployRule(
        id="MA116",
        title="several deployments",
        help="The project deploys more than one agent or endpoint. The bundle describes one app for the "
        "first one found; migrate the others as separate apps.",
    ),

    DeployRule(
        id="MA117",
        title="user API scope not known",
        help="Code acting as the calling user reaches a service (or hands the user client to a library) "
        "whose Databricks Apps user API scope this tool does not know. Look up the scope the calls "
        "need and add it to user_api_scopes in databricks.yml; without it those calls fail for "
        "every user.",
    ),
)

RULES_BY_ID: dict[str, DeployRule] = {rule.id: rule for rule in DEPLOY_RULES}


def manual_step(rule_id: str, message: str, path: str | None = None, line: int | None = None) -> ManualStep:
    """A ManualStep for a known deployment rule (fails loudly on a typo in the id)."""
    if rule_id not in RULES_BY_ID:
        raise KeyError(f"unknown deployment rule {rule_id}")
    return ManualStep(rule=rule_id, message=message, path=path, line=line)
