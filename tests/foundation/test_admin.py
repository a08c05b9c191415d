import pytest

from chat.models import Conversation, Message
from todos.services import task_create

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "/admin/",
    "/admin/chat/conversation/",
    "/admin/chat/message/",
    "/admin/todos/task/",
]


@pytest.fixture
def staff_client(client, make_user):
    staff = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(staff)
    conversation = Conversation.objects.create(owner=staff, title="hello")
    Message.objects.create(conversation=conversation, role="user", content="hi")
    task_create(owner=staff, title="a task")
    return client


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_render_for_staff(staff_client, path):
    assert staff_client.get(path).status_code == 200


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_redirect_anonymous_users(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
