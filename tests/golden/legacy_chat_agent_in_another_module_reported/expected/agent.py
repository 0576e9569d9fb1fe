import mlflow

from support import SupportAgent

# TODO(migrate-agent): [MA001] `SupportAgent` (a ChatAgent, support.py:5) is defined in another module; the adapters (MA003) convert such a class where it is exported from the module that defines it: move this `set_model(...)` there, then run migrate-agent again; convert this export by hand (see README, 'What is migrated')
mlflow.models.set_model(SupportAgent())
