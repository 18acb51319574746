"""Database layer: the tables, sessions and migrations.

Tables kept in modules of their own (db/models.py is full) are imported here, so that loading any
part of `db` (db.models, the migrations' env.py, the test that compares models with migrations)
registers them on SQLModel.metadata too.
"""

from db import models_channels as models_channels
from db import models_outcomes as models_outcomes
from db import models_rollup as models_rollup
from db import record_question as record_question
