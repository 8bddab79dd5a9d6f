from django.db import migrations


def create_workflow(apps, schema_editor):
    """The "Validazione" workflow, with the authority task, on the knowledge-base tree."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    AuthorityValidationTask = apps.get_model("validation.AuthorityValidationTask")
    HomePage = apps.get_model("kb.HomePage")

    task_type, _ = ContentType.objects.get_or_create(
        app_label="validation", model="authorityvalidationtask"
    )
    task = AuthorityValidationTask.objects.create(
        name="Validazione dell'ente competente", content_type=task_type, active=True
    )
    workflow = Workflow.objects.create(name="Validazione", active=True)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for home in HomePage.objects.all():
        WorkflowPage.objects.update_or_create(page_id=home.pk, defaults={"workflow": workflow})


def remove_workflow(apps, schema_editor):
    apps.get_model("wagtailcore.Workflow").objects.filter(name="Validazione").delete()
    apps.get_model("validation.AuthorityValidationTask").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("validation", "0003_authorityvalidationtask_authority_contact_email_and_more"),
        ("kb", "0003_create_homepage"),
    ]

    operations = [migrations.RunPython(create_workflow, remove_workflow)]
