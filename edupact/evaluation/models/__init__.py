"""The evaluation's models, one file per area (decision 0002 §1, rule 1): the bottom layer of
the app, below every subpackage. Imported in dependency order and re-exported, so
``edupact.evaluation.models.Framework`` keeps working for other apps, tests and Django."""

# In dependency order (rule 1), not alphabetically.
# isort: off
from .frameworks import *  # noqa: F403
from .subjects import *  # noqa: F403
from .cycle import *  # noqa: F403
from .recognition import *  # noqa: F403
from .targets import *  # noqa: F403
from .rollups import *  # noqa: F403
from .workflow import *  # noqa: F403
