"""Which authority is competent for a question, according to the routing rules."""

from .models import RoutingRule


def propose_authority(topic, municipality="", tags=()):
    """The first matching rule (lowest priority number, then most specific), or None."""
    tags = {t.lower() for t in tags}
    rules = RoutingRule.objects.filter(topic=topic).select_related("authority")
    matching = [
        rule
        for rule in rules
        if (not rule.municipality or rule.municipality.lower() == (municipality or "").lower())
        and (not rule.tag or rule.tag.lower() in tags)
    ]
    if not matching:
        return None
    return min(matching, key=lambda r: (r.priority, -(bool(r.municipality) + bool(r.tag)), r.id))
