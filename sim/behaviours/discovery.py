"""Finding behaviour rules outside the core: installed plugins and plugin files.

Two ways in, both only *register* rules; a scenario still picks a rule by name, never by path:

- **Installed plugins**: a distribution declares an entry point in the group ``sim.behaviours``
  whose value is a module (``my_rules.rules``) or a function (``my_rules:register_all``); importing
  the module (and calling the function) registers its rules. Entry points are loaded lazily, once
  per process, the first time the registry is asked for a rule; their rules' origin is the
  distribution's name.
- **Plugin files**: :func:`load_plugin_file` imports ``my_rules.py`` by path under a unique module
  name (``sim --plugin my_rules.py``); the rules' origin is the path as given. Run tasks carry the
  loaded files (:func:`loaded_plugin_files`) so pool workers import them again.

A plugin is loaded all or nothing: if its import fails, it registers a ``name@version`` that is taken,
adds a version to a rule name that another origin owns, or registers a rule whose class or
``Params`` is malformed, every rule it registered is removed again and a :class:`PluginError` says
what went wrong and where. A broken *file* is an error (the user asked for it); a broken *installed*
plugin is skipped and remembered (:func:`broken_plugins`), so scenarios that do not use it still
run, and a scenario that names a rule it could not find gets the plugin's error appended.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
import traceback
from dataclasses import dataclass, replace
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from sim.behaviours import registry

ENTRY_POINT_GROUP = "sim.behaviours"
BUILT_IN = "built-in"

PROTOCOL: dict[str, tuple[str, ...]] = {
    "partner_attention": ("allocate",),
    "trust": ("surprise", "update"),
    "capability": ("update",),
    "rep_engagement": ("cosell_probability", "contest_probability", "takeover_probability"),
    "deal_outcome": ("win_probability", "services_share"),
}
"""The methods of each slot's population form (see each slot's module)."""


class PluginError(Exception):
    """A plugin could not be loaded; the message names the plugin and what is wrong."""

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"{plugin}: {message}")
        self.plugin = plugin


@dataclass
class _State:
    entry_points_loaded: bool = False
    broken: dict[str, PluginError] | None = None
    files: dict[Path, str] | None = None  # resolved path -> origin (the path as first given)
    module_origins: dict[str, str] | None = None  # module name (or package prefix) -> origin
    installed: dict[str, str] | None = None  # origin -> distribution version, loaded plugins


_state = _State(broken={}, files={}, module_origins={}, installed={})


def origin_of(cls: type) -> str:
    """Where a rule class comes from: ``built-in``, a plugin's distribution or file, or its module."""
    module = getattr(cls, "__module__", "") or ""
    if module == "sim" or module.startswith("sim."):
        return BUILT_IN
    for prefix, origin in _state.module_origins.items():
        if module == prefix or module.startswith(prefix + "."):
            return origin
    return module


# ----------------------------------------------------------------------------- installed plugins
def _entry_points() -> list[EntryPoint]:
    return sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: (ep.value, ep.name))


def load_entry_points() -> None:
    """Load every installed plugin once per process; broken ones are skipped and remembered."""
    if _state.entry_points_loaded:
        return
    _state.entry_points_loaded = True  # set first: a plugin that lists rules must not recurse
    for ep in _entry_points():
        dist = getattr(ep, "dist", None)
        origin = dist.name if dist is not None else f"entry point {ep.name}"
        module = ep.value.partition(":")[0].strip()
        _state.module_origins.setdefault(module.split(".")[0], origin)
        label = f"plugin {origin} (entry point {ep.name} = {ep.value})"
        try:
            _load_all_or_nothing(label, origin, module.split(".")[0], lambda ep=ep: _call(ep))
        except PluginError as exc:
            _state.broken[origin] = exc
        else:
            _state.installed[origin] = dist.version if dist is not None else "unknown"


def _call(ep: EntryPoint) -> None:
    target = ep.load()
    if inspect.isfunction(target) or inspect.ismethod(target):
        target()


def broken_plugins() -> dict[str, PluginError]:
    """Installed plugins that failed to load, by origin (loads them first if needed)."""
    load_entry_points()
    return dict(_state.broken)


def broken_note() -> str:
    """A sentence naming the plugins that failed to load, to append to an unknown-rule error."""
    if not _state.broken:
        return ""
    errors = "; ".join(str(exc) for exc in _state.broken.values())
    return f" (a plugin that failed to load may define it: {errors})"


# ----------------------------------------------------------------------------- plugin files
def load_plugin_file(path: str | Path) -> str:
    """Import the Python file ``path`` once, registering its rules; returns its origin.

    Raises:
        PluginError: the file is missing or not ``.py``, fails to import (the message gives the
            file and line), or registers a rule the registry refuses.
    """
    given = str(path)
    resolved = Path(path).expanduser().resolve()
    if resolved in _state.files:
        return _state.files[resolved]
    if not resolved.is_file():
        raise PluginError(given, "no such file")
    if resolved.suffix != ".py":
        raise PluginError(given, "a plugin file is a Python file ending in .py")
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:10]
    stem = "".join(c if c.isalnum() else "_" for c in resolved.stem)
    module_name = f"sim_plugin_{stem}_{digest}"
    registry._load_builtins()  # a file's rules must not take a built-in name first
    _state.module_origins[module_name] = given

    def run() -> None:
        spec = importlib.util.spec_from_file_location(module_name, resolved)
        if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
            raise ImportError(f"cannot import {resolved}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses and pickling look the module up here
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise

    try:
        _load_all_or_nothing(given, given, module_name, run, source=resolved)
    except PluginError:
        del _state.module_origins[module_name]
        sys.modules.pop(module_name, None)
        raise
    _state.files[resolved] = given
    return given


def load_plugin_files(paths: tuple[str, ...] | list[str]) -> None:
    """Load each file of ``paths`` (already loaded ones are skipped); used by workers."""
    for path in paths:
        load_plugin_file(path)


def loaded_plugin_files() -> tuple[str, ...]:
    """Absolute paths of the plugin files loaded in this process, in load order."""
    return tuple(str(path) for path in _state.files)


def provenance() -> dict[str, dict[str, str]]:
    """What the loaded plugins were, for a result folder's manifest: installed plugins with their
    versions, and plugin files with the SHA-256 of their content."""
    load_entry_points()
    files = {}
    for path, given in _state.files.items():
        try:
            files[given] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            files[given] = "unreadable"
    return {"installed": dict(_state.installed), "files": files}


# ----------------------------------------------------------------------------- loading
def _snapshot() -> dict[str, dict[str, dict[int, registry.RuleSpec]]]:
    return {
        slot: {name: dict(versions) for name, versions in rules.items()}
        for slot, rules in registry._REGISTRY.items()
    }


def _restore(snapshot: dict[str, dict[str, dict[int, registry.RuleSpec]]]) -> None:
    registry._REGISTRY.clear()
    registry._REGISTRY.update(snapshot)


def _load_all_or_nothing(
    label: str, origin: str, module: str, load: Any, source: Path | None = None
) -> None:
    """Run ``load``; keep what it registered only if all of it is sound, else restore and raise."""
    before = _snapshot()
    try:
        load()
    except PluginError:
        _restore(before)
        raise
    except SyntaxError as exc:
        _restore(before)
        where = f"{exc.filename}:{exc.lineno}" if exc.filename else label
        raise PluginError(label, f"{where}: SyntaxError: {exc.msg}") from None
    except (Exception, SystemExit) as exc:
        _restore(before)
        raise PluginError(label, f"failed to import: {_describe(exc, source)}") from None
    problems = []
    for spec in _new_specs(before, module):
        if spec.origin != origin:  # registered before its origin was known (imported directly)
            spec = replace(spec, origin=origin)
            registry._REGISTRY[spec.slot][spec.name][spec.version] = spec
            spec.cls.spec = spec
        problems += [
            f"{spec.slot} rule {spec.id}: {p}" for p in _rule_problems(spec, before, module)
        ]
    if problems:
        _restore(before)
        raise PluginError(label, "; ".join(problems))


def _within(cls: type, module: str) -> bool:
    name = getattr(cls, "__module__", "") or ""
    return name == module or name.startswith(module + ".")


def _new_specs(before: dict[str, Any], module: str) -> list[registry.RuleSpec]:
    """Rules registered by the load, and rules of the plugin's module registered earlier."""
    found = []
    for slot, rules in registry._REGISTRY.items():
        for name, versions in rules.items():
            for version, spec in versions.items():
                if origin_of(spec.cls) == BUILT_IN:  # imported by the plugin, not defined in it
                    continue
                new = before.get(slot, {}).get(name, {}).get(version) is not spec
                if new or _within(spec.cls, module):
                    found.append(spec)
    return found


def _rule_problems(spec: registry.RuleSpec, before: dict[str, Any], module: str) -> list[str]:
    """What makes a plugin's rule unusable: a taken name, a malformed class or ``Params``."""
    problems = []
    others = before.get(spec.slot, {}).get(spec.name, {}).values()
    owners = {s.origin for s in others if not _within(s.cls, module)}
    taken = owners - {spec.origin}
    if taken:
        problems.append(
            f"the name {spec.name!r} belongs to {', '.join(sorted(taken))}; a plugin may add "
            "versions only to its own rules, so choose another name"
        )
    if not (isinstance(spec.cls, type) and issubclass(spec.cls, registry.Rule)):
        return [*problems, "the class must subclass sim.behaviours.Rule"]
    params = getattr(spec.cls, "Params", None)
    if not (isinstance(params, type) and issubclass(params, registry.RuleParams)):
        problems.append("Params must subclass sim.behaviours.RuleParams")
    else:
        try:
            params()
        except Exception as exc:
            missing = [n for n, f in params.model_fields.items() if f.is_required()]
            detail = f"no default for {', '.join(missing)}" if missing else str(exc).splitlines()[0]
            problems.append(f"Params must be valid with its defaults: {detail}")
    forms = getattr(spec, "forms", None) or {"population"}
    if "population" in forms:
        missing = [m for m in PROTOCOL.get(spec.slot, ()) if not callable(getattr(spec.cls, m, 0))]
        if missing:
            problems.append(f"missing the {spec.slot} method(s) {', '.join(missing)}")
    if not spec.summary:
        problems.append("the class needs a docstring stating the rule in one sentence")
    return problems


def _describe(exc: BaseException, source: Path | None) -> str:
    """``file:line: Type: message`` of the deepest frame in the plugin's own file (a plugin file),
    or of the frame that raised (an installed plugin)."""
    text = f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    if source is not None:
        own = [f for f in frames if Path(f.filename) == source]
        if own:
            return f"{source.name}:{own[-1].lineno}: {text}"
    elif frames and not frames[-1].filename.startswith("<"):
        return f"{frames[-1].filename}:{frames[-1].lineno}: {text}"
    return text


def _reset() -> None:
    """Forget what was loaded (tests only; registered rules stay in the registry)."""
    global _state
    _state = _State(broken={}, files={}, module_origins={}, installed={})
