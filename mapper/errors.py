"""Every exception the mapper raises.

    MapperError
    ├── NotFound
    │   ├── ActorNotFound
    │   └── CollaborationNotFound
    ├── InvalidBatch
    │   └── UnknownReference
    ├── SeedFileError             one problem at one place in one seed file
    │   └── MoreProblems          stands for the problems after the first ones listed
    ├── SeedValidationFailed      every SeedFileError found in a load or validate
    ├── InvalidParameter          a query parameter out of range or of the wrong kind
    │   └── OverBudget            the work asked for is more than the budget allows
    ├── StoreError
    │   ├── StoreUnavailable      the store cannot be reached (Neo4j down)
    │   │   ├── StoreMissing      no store file where one was to be read
    │   │   └── LoadInProgress    a staged Neo4j load is being written: other writes wait
    │   ├── StoreCorrupt          the store file is damaged or not a mapper store
    │   └── LoadTooLarge          one load does not fit in the store's transaction memory
    └── WorkRefused               a server cannot do an analysis now
        ├── ServerBusy            every worker busy and the queue full: retry later
        ├── WorkTimedOut          the analysis ran past the time limit and was stopped
        └── WorkCancelled         the client went away; nobody is waiting for the answer

Each message names the bad value, where it came from and what was expected.
"""

from __future__ import annotations

__all__ = [
    "ActorNotFound",
    "CollaborationNotFound",
    "InvalidBatch",
    "InvalidParameter",
    "LoadInProgress",
    "LoadTooLarge",
    "MapperError",
    "MoreProblems",
    "NotFound",
    "OverBudget",
    "SeedFileError",
    "SeedValidationFailed",
    "ServerBusy",
    "StoreCorrupt",
    "StoreError",
    "StoreMissing",
    "StoreUnavailable",
    "UnknownReference",
    "WorkCancelled",
    "WorkRefused",
    "WorkTimedOut",
    "problem_count",
]


class MapperError(Exception):
    """Base class of every error the mapper raises on purpose."""


class NotFound(MapperError):
    """A record asked for by id does not exist."""

    kind = "record"

    def __init__(self, record_id: str):
        self.id = record_id
        self.suggestions: list[tuple[str, str]] = []
        super().__init__(f"no {self.kind} with id {record_id!r}")

    def suggest(self, suggestions: list[tuple[str, str]]) -> None:
        """Name the records (id, name) meant most likely, in the message too."""
        self.suggestions = suggestions
        message = f"no {self.kind} with id {self.id!r}"
        if suggestions:
            named = ", ".join(f"{record_id} ({name})" for record_id, name in suggestions)
            message += f"; did you mean {named}?"
        self.args = (message,)


class ActorNotFound(NotFound):
    kind = "actor"


class CollaborationNotFound(NotFound):
    kind = "collaboration"


class InvalidBatch(MapperError):
    """A batch cannot be applied as a whole; nothing was written."""


class UnknownReference(InvalidBatch):
    """A relation names an id that is neither in the batch nor in the store."""

    def __init__(self, relation_key: str, field: str, ref: str, expected: str):
        self.relation_key = relation_key
        self.field = field
        self.ref = ref
        super().__init__(
            f"relation {relation_key}: {field} {ref!r} is not a known {expected} id; "
            "nothing was written"
        )


class SeedFileError(MapperError):
    """One problem in one seed file: `path`, `line`, `field` and `problem` are kept apart."""

    def __init__(self, path: str, line: int | None, field: str | None, problem: str):
        self.path = str(path)
        self.line = line
        self.field = field
        self.problem = problem
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {field}: {problem}" if field else f"{where}: {problem}")


class MoreProblems(SeedFileError):
    """The `rest` problems after the first ones listed, from `path`:`line` on."""

    def __init__(self, path: str, line: int | None, rest: int, problem: str):
        self.rest = rest
        super().__init__(path, line, None, problem)


def problem_count(errors: list[SeedFileError]) -> int:
    """How many problems `errors` stand for (a MoreProblems counts its rest)."""
    return sum(error.rest if isinstance(error, MoreProblems) else 1 for error in errors)


class SeedValidationFailed(MapperError):
    """Every problem found in a set of seed files; nothing was written."""

    def __init__(self, errors: list[SeedFileError]):
        self.errors = errors
        lines = "\n".join(str(error) for error in errors)
        count = problem_count(errors)
        super().__init__(f"{count} problem(s) found, nothing was written:\n{lines}")


class InvalidParameter(MapperError, ValueError):
    """A query parameter is out of range or names something that does not exist.

    Also a ValueError: the analysis functions raise it for their own parameters, so the API and
    CLI name the parameter without reading it out of the message."""

    def __init__(self, name: str, problem: str):
        self.name = name
        self.problem = problem
        super().__init__(f"parameter {name!r}: {problem}")


class OverBudget(InvalidParameter):
    """What `name` asks for needs `estimate` units of work, more than `budget` allows."""

    def __init__(self, name: str, problem: str, *, estimate: int, budget: int):
        self.estimate = estimate
        self.budget = budget
        super().__init__(name, problem)


class StoreError(MapperError):
    """The store itself failed."""


class StoreUnavailable(StoreError):
    """The store cannot be reached, e.g. Neo4j is down. Retry later."""


class StoreMissing(StoreUnavailable):
    """There is no store file where a command that only reads looked for one."""


class LoadInProgress(StoreUnavailable):
    """A large load is being written to Neo4j in stages; no other write can run until it is
    done or rolled back. Retry later (over HTTP: 503)."""


class StoreCorrupt(StoreError):
    """The store file exists but is damaged or belongs to another program."""


class LoadTooLarge(StoreError):
    """A write, or one stage of a staged load, needs more transaction memory than the store
    allows it."""


class WorkRefused(MapperError):
    """A server cannot do an analysis now; `retry_after` (seconds) says when to try again."""

    retry_after: int | None = None


class ServerBusy(WorkRefused):
    """Every analysis worker is busy and the queue is full."""

    retry_after = 5


class WorkTimedOut(WorkRefused):
    """An analysis ran past the time limit and was stopped."""


class WorkCancelled(WorkRefused):
    """Every client waiting for an analysis went away, and it was stopped."""
