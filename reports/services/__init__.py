"""Writes for reports: editing, render jobs, decisions and the national compilation.

Every function is keyword-only. Views have already checked the actor's capability in the
city (`cities.permissions`); services enforce the domain rules and write the audit trail.
"""

from reports.services.decisions import (
    FinalNotReady,
    approval_blocker,
    final_job,
    report_approve,
    report_publish,
    summary_reopen,
    summary_submit,
)
from reports.services.editing import (
    EditConflict,
    SectionChange,
    citation_add,
    draft_from_evidence,
    report_start,
    revision_restore,
    sections_save,
)
from reports.services.national import compilation_start, summary_reminders_send
from reports.services.rendering import (
    render_jobs_requeue,
    render_request,
    render_run,
    report_input,
)

__all__ = [
    "EditConflict",
    "FinalNotReady",
    "SectionChange",
    "approval_blocker",
    "citation_add",
    "compilation_start",
    "draft_from_evidence",
    "final_job",
    "render_jobs_requeue",
    "render_request",
    "render_run",
    "report_approve",
    "report_input",
    "report_publish",
    "report_start",
    "revision_restore",
    "sections_save",
    "summary_reminders_send",
    "summary_reopen",
    "summary_submit",
]
