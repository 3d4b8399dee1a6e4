"""``sim dashboard``: the what-if page, built with Solara. :mod:`~workbench.dashboard.server` starts
it; :mod:`~workbench.dashboard.app` is the page, :mod:`~workbench.dashboard.editor` its controls
(generated from the scenario schema, :mod:`workbench.levers`), :mod:`~workbench.dashboard.panels`
its answer (cards, chart, table) and saving. Runs go through :mod:`workbench.background`.
"""
