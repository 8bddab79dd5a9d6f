"""The action Wagtail runs when the "Validazione" workflow is approved (kept free of imports:
Wagtail loads it while its own models are being set up)."""


def publish_validated(workflow_state, user=None):
    """WAGTAIL_FINISH_WORKFLOW_ACTION: publish when the workflow is approved. The approval of
    the competent authority is the permission to publish, so experts need no publish right
    on the tree (and cannot publish around the workflow)."""
    workflow_state.content_object.get_latest_revision().publish(
        user=user, skip_permission_checks=True
    )
