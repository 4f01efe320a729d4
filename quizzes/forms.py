"""Quiz forms: the editors' validation that every question is answerable, and the
learner's attempt built from its drawn questions."""

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm

if TYPE_CHECKING:  # the models import this module for QuizPageForm
    from .models import QuizAttempt


def question_errors(kind: str, choices: list[tuple[str, bool]]) -> list[str]:
    """What is wrong with a question of this kind and these (text, correct) choices."""
    errors = []
    correct = sum(1 for _text, is_correct in choices if is_correct)
    if len(choices) < 2:
        errors.append(_("Câu hỏi cần ít nhất hai lựa chọn."))
    if correct == 0:
        errors.append(_("Câu hỏi cần ít nhất một lựa chọn đúng."))
    if kind in ("single", "true_false") and correct > 1:
        errors.append(_("Câu hỏi một đáp án chỉ được có đúng một lựa chọn đúng."))
    if kind == "true_false" and len(choices) != 2:
        errors.append(_("Câu hỏi Đúng/Sai phải có đúng hai lựa chọn."))
    return errors


class QuizPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        kept = 0
        for form in self.formsets["questions"].forms:
            if not form.is_valid() or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            kept += 1
            choice_forms = form.formsets["choices"].forms
            choices = [
                (f.cleaned_data.get("text", ""), bool(f.cleaned_data.get("is_correct")))
                for f in choice_forms
                if f.is_valid() and f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            for error in question_errors(form.cleaned_data.get("kind", "single"), choices):
                form.add_error(None, error)
        if kept == 0:
            self.add_error(None, _("Bài kiểm tra cần ít nhất một câu hỏi."))
        return cleaned


class QuizAttemptForm(forms.Form):
    """An attempt's drawn questions as one form, one field per question.

    Built from the attempt's snapshot the way Wagtail's contrib/forms FormBuilder builds
    a form page's form from its fields. The choices carry no correctness, so the answers
    are never in the page. Judging the answers stays with the service (scoring against
    the snapshot under the attempt's row lock); the form shows the questions, keeps what
    the learner chose and, once the service found answers missing, marks those questions.
    """

    def __init__(self, *args, attempt: "QuizAttempt", **kwargs):
        super().__init__(*args, **kwargs)
        for number, question in enumerate(attempt.snapshot["questions"], start=1):
            self.fields[question["key"]] = self._question_field(question, number)

    @staticmethod
    def _question_field(question: dict, number: int) -> forms.Field:
        choices = [(str(choice["id"]), choice["text"]) for choice in question["choices"]]
        if question["kind"] == "multiple":
            field_class, widget = forms.MultipleChoiceField, forms.CheckboxSelectMultiple
        else:
            field_class, widget = forms.ChoiceField, forms.RadioSelect
        field = field_class(
            choices=choices,
            widget=widget,
            error_messages={"required": _("Bạn chưa trả lời câu này.")},
        )
        field.label = question["text"]
        field.number = number
        field.multiple = question["kind"] == "multiple"
        return field

    def posted_answers(self) -> dict[str, list[str]]:
        """Every posted field except the CSRF token, as lists: duplicates and unknown keys
        are kept, so the service can tell a forged submission from an honest one."""
        return {key: self.data.getlist(key) for key in self.data if key != "csrfmiddlewaretoken"}
