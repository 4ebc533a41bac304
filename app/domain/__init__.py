"""The programme's vocabulary without a database: its closed sets as enums (`enums`) and exact money
(`money`). `app.models` re-exports both; a command that needs only these (app.cli.quick) imports them
from here and starts without SQLAlchemy."""
