"""Lets course pages link to the learner's certificate without the courses app knowing about it."""

from django import template

from ..selectors import certificate_for_course

register = template.Library()


@register.simple_tag
def certificate_for(user, course):
    """The user's certificate in force for this course, or None (one query, logged-in only)."""
    if not user.is_authenticated or course is None:
        return None
    return certificate_for_course(user=user, course_id=course.pk)
