"""URL rules of the staff workspace (``/staff/``)."""

from __future__ import annotations

from flask import Blueprint

from . import (
    admin_staff,
    admin_templates,
    answer_states,
    api_keys,
    audit,
    calendar_admin,
    categories,
    dashboard,
    library,
    notices,
    offices,
    outbox,
    preferences,
    proposal_import,
    questions,
    routing,
    service_levels,
    suggestions,
    views,
)

blueprint = Blueprint("staff", __name__, url_prefix="/staff")
blueprint.before_request(views.require_staff)
blueprint.context_processor(views.staff_context)
blueprint.add_url_rule("/", "queue", views.queue)
blueprint.add_url_rule("/bulk", "bulk", views.bulk, methods=["POST"])
blueprint.add_url_rule("/cases/<public_id>", "case", views.case)
blueprint.add_url_rule("/cases/<public_id>/actions/<action>", "act", views.act, methods=["POST"])
blueprint.add_url_rule("/cases/<public_id>/moderation", "moderate", views.moderate, methods=["POST"])
blueprint.add_url_rule("/cases/<public_id>/classification", "classify", views.classify, methods=["POST"])
blueprint.add_url_rule("/cases/<public_id>/conversion", "convert", views.convert, methods=["POST"])
blueprint.add_url_rule("/cases/<public_id>/messages", "reply", views.reply, methods=["POST"])
blueprint.add_url_rule("/cases/<public_id>/answer", "answer_save", views.answer_save, methods=["POST"])
blueprint.add_url_rule(
    "/cases/<public_id>/answer/publish", "answer_publish", views.answer_publish, methods=["POST"]
)
blueprint.add_url_rule(
    "/cases/<public_id>/answer/discard", "answer_discard", views.answer_discard, methods=["POST"]
)
blueprint.add_url_rule(
    "/cases/<public_id>/suggestion/<field>/apply",
    "suggestion_apply",
    suggestions.suggestion_apply,
    methods=["POST"],
)
blueprint.add_url_rule(
    "/cases/<public_id>/suggestion/<field>/dismiss",
    "suggestion_dismiss",
    suggestions.suggestion_dismiss,
    methods=["POST"],
)
blueprint.add_url_rule("/suggest", "suggest", suggestions.suggest_json)
blueprint.add_url_rule("/reports/<cc_id:report_id>", "old_case_address", views.old_case_address)
blueprint.add_url_rule(
    "/reports/<cc_id:report_id>/<path:rest>",
    "old_case_form_address",
    views.old_case_address,
    methods=["GET", "POST"],
)
blueprint.add_url_rule("/photos/<key>", "photo", views.photo)
blueprint.add_url_rule("/intake", "intake", views.intake, methods=["GET", "POST"])
blueprint.add_url_rule(
    "/proposals/import", "proposal_import", proposal_import.proposal_import, methods=["GET", "POST"]
)
blueprint.add_url_rule("/knowledge", "knowledge", library.knowledge)
blueprint.add_url_rule("/canned", "canned", library.canned, methods=["GET", "POST"])
blueprint.add_url_rule(
    "/service-levels",
    "service_levels_old_address",
    service_levels.service_levels_old_address,
    methods=["GET", "POST"],
)
blueprint.add_url_rule("/preferences", "preferences", preferences.preferences, methods=["GET", "POST"])
blueprint.add_url_rule("/dashboard", "dashboard", dashboard.dashboard)
blueprint.add_url_rule("/outbox", "outbox", outbox.outbox, methods=["GET", "POST"])
blueprint.add_url_rule("/admin/staff", "staff_admin", admin_staff.staff_admin, methods=["GET", "POST"])
blueprint.add_url_rule(
    "/admin/staff/<cc_id:member_id>", "staff_member_edit", admin_staff.staff_member_edit, methods=["POST"]
)
blueprint.add_url_rule(
    "/admin/staff/<cc_id:member_id>/active",
    "staff_member_active",
    admin_staff.staff_member_active,
    methods=["POST"],
)
blueprint.add_url_rule("/admin/offices", "office_list", offices.office_list)
blueprint.add_url_rule("/admin/offices/new", "office_new", offices.office_edit, methods=["GET", "POST"])
blueprint.add_url_rule(
    "/admin/offices/<cc_id:office_id>", "office_edit", offices.office_edit, methods=["GET", "POST"]
)
blueprint.add_url_rule(
    "/admin/offices/<cc_id:office_id>/deactivate",
    "office_deactivate",
    offices.office_deactivate,
    methods=["POST"],
)
blueprint.add_url_rule(
    "/admin/offices/<cc_id:office_id>/activate", "office_activate", offices.office_activate, methods=["POST"]
)
blueprint.add_url_rule(
    "/admin/offices/<cc_id:office_id>/delete", "office_delete", offices.office_delete, methods=["POST"]
)
blueprint.add_url_rule(
    "/admin/service-levels", "service_levels", service_levels.service_levels, methods=["GET", "POST"]
)
blueprint.add_url_rule(
    "/admin/calendar", "calendar_admin", calendar_admin.calendar_admin, methods=["GET", "POST"]
)
blueprint.add_url_rule("/admin/categories", "category_list", categories.category_list)
blueprint.add_url_rule(
    "/admin/categories/new", "category_new", categories.category_edit, methods=["GET", "POST"]
)
blueprint.add_url_rule(
    "/admin/categories/groups", "category_group", categories.category_group, methods=["POST"]
)
blueprint.add_url_rule(
    "/admin/categories/<cc_id:category_id>",
    "category_edit",
    categories.category_edit,
    methods=["GET", "POST"],
)
blueprint.add_url_rule(
    "/admin/categories/<cc_id:category_id>/move", "category_move", categories.category_move, methods=["POST"]
)
blueprint.add_url_rule(
    "/admin/categories/<cc_id:category_id>/deactivate",
    "category_deactivate",
    categories.category_deactivate,
    methods=["GET", "POST"],
)
blueprint.add_url_rule(
    "/admin/categories/<cc_id:category_id>/activate",
    "category_activate",
    categories.category_activate,
    methods=["POST"],
)
blueprint.add_url_rule(
    "/admin/categories/<cc_id:category_id>/delete",
    "category_delete",
    categories.category_delete,
    methods=["POST"],
)
blueprint.add_url_rule(
    "/admin/categories/<cc_id:category_id>/questions", "question_list", questions.question_list
)
blueprint.add_url_rule(
    "/admin/categories/<cc_id:category_id>/questions/new",
    "question_new",
    questions.question_edit,
    methods=["GET", "POST"],
)
blueprint.add_url_rule(
    "/admin/categories/<cc_id:category_id>/questions/<question_key>/edit",
    "question_edit",
    questions.question_edit,
    methods=["GET", "POST"],
)
blueprint.add_url_rule(
    "/admin/categories/<cc_id:category_id>/questions/<question_key>"
    "/<any(up, down, retire, restore, delete):change>",
    "question_change",
    questions.question_change,
    methods=["POST"],
)
blueprint.add_url_rule(
    "/admin/categories/<cc_id:category_id>/preview", "question_preview", questions.question_preview
)
blueprint.add_url_rule("/admin/templates", "template_list", admin_templates.template_list)
blueprint.add_url_rule(
    "/admin/templates/new", "template_new", admin_templates.template_edit, methods=["GET", "POST"]
)
blueprint.add_url_rule(
    "/admin/templates/<cc_id:template_id>",
    "template_edit",
    admin_templates.template_edit,
    methods=["GET", "POST"],
)
blueprint.add_url_rule(
    "/admin/templates/<cc_id:template_id>/deactivate",
    "template_deactivate",
    admin_templates.template_deactivate,
    methods=["POST"],
)
blueprint.add_url_rule(
    "/admin/templates/<cc_id:template_id>/activate",
    "template_activate",
    admin_templates.template_activate,
    methods=["POST"],
)
blueprint.add_url_rule("/admin/audit", "audit_trail", audit.audit_trail)
blueprint.add_url_rule("/admin/api-keys", "api_key_list", api_keys.api_key_list, methods=["GET", "POST"])
blueprint.add_url_rule(
    "/admin/api-keys/<cc_id:key_id>/revoke", "api_key_revoke", api_keys.api_key_revoke, methods=["POST"]
)
blueprint.add_url_rule("/admin/answer-states", "answer_state_list", answer_states.answer_state_list)
blueprint.add_url_rule(
    "/admin/answer-states/new", "answer_state_new", answer_states.answer_state_edit, methods=["GET", "POST"]
)
blueprint.add_url_rule(
    "/admin/answer-states/<cc_id:state_id>",
    "answer_state_edit",
    answer_states.answer_state_edit,
    methods=["GET", "POST"],
)
blueprint.add_url_rule(
    "/admin/answer-states/<cc_id:state_id>/<any(up, down, deactivate, activate, delete):state_change>",
    "answer_state_change",
    answer_states.answer_state_change,
    methods=["POST"],
)
blueprint.add_url_rule("/admin/staff/invite", "staff_invite", admin_staff.staff_invite, methods=["POST"])
blueprint.add_url_rule("/admin/routing", "routing_list", routing.rule_list)
blueprint.add_url_rule("/admin/routing/new", "routing_new", routing.rule_edit, methods=["GET", "POST"])
blueprint.add_url_rule(
    "/admin/routing/<cc_id:rule_id>", "routing_edit", routing.rule_edit, methods=["GET", "POST"]
)
blueprint.add_url_rule(
    "/admin/routing/<cc_id:rule_id>/move", "routing_move", routing.rule_move, methods=["POST"]
)
blueprint.add_url_rule(
    "/admin/routing/<cc_id:rule_id>/deactivate",
    "routing_deactivate",
    routing.rule_deactivate,
    methods=["POST"],
)
blueprint.add_url_rule(
    "/admin/routing/<cc_id:rule_id>/activate", "routing_activate", routing.rule_activate, methods=["POST"]
)
blueprint.add_url_rule(
    "/admin/routing/<cc_id:rule_id>/delete", "routing_delete", routing.rule_delete, methods=["POST"]
)
blueprint.add_url_rule("/notices", "notice_list", notices.notice_list)
blueprint.add_url_rule("/notices/new", "notice_new", notices.notice_edit, methods=["GET", "POST"])
blueprint.add_url_rule("/notices/<cc_id:notice_id>", "notice_page", notices.notice_page)
blueprint.add_url_rule(
    "/notices/<cc_id:notice_id>/edit", "notice_edit", notices.notice_edit, methods=["GET", "POST"]
)
blueprint.add_url_rule(
    "/notices/<cc_id:notice_id>/publish", "notice_publish", notices.notice_publish, methods=["POST"]
)
blueprint.add_url_rule(
    "/notices/<cc_id:notice_id>/steps", "notice_step", notices.notice_step, methods=["POST"]
)
blueprint.add_url_rule(
    "/notices/<cc_id:notice_id>/discard", "notice_discard", notices.notice_discard, methods=["POST"]
)
