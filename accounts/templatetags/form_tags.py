"""Template helpers shared by every form of the site."""

from django import template
from django.forms import BaseForm, CheckboxSelectMultiple, RadioSelect
from django.forms.boundfield import BoundField

register = template.Library()


def _field_anchor(field: BoundField) -> str:
    """The id of the control a link to this field should land on (a list's first choice)."""
    if isinstance(field.field.widget, (CheckboxSelectMultiple, RadioSelect)):
        subwidgets = field.subwidgets
        return subwidgets[0].id_for_label if subwidgets else ""  # no choices: nothing to link to
    return field.id_for_label or ""


@register.inclusion_tag("includes/error_summary.html", takes_context=True)
def error_summary(context, form: BaseForm | None):
    """The GOV.UK error summary: every error of a failed submit, each linking to its field.

    Nothing is shown while the ward picker only reloads the form (`show_errors` is False).
    """
    # A page may render without a form (a rate-limited verify page): no summary then.
    if not isinstance(form, BaseForm) or not form.errors or context.get("show_errors") is False:
        return {"errors": []}
    errors = [{"anchor": "", "message": message} for message in form.non_field_errors()]
    for field in form:
        for message in field.errors:
            errors.append(
                {"anchor": "" if field.is_hidden else _field_anchor(field), "message": message}
            )
    passwords_cleared = any(
        getattr(field.field.widget, "input_type", "") == "password" for field in form
    )
    return {"errors": errors, "passwords_cleared": passwords_cleared}
