import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, status
from starlette.concurrency import run_in_threadpool

from application.pagination import DEFAULT_PAGE_SIZE
from application.use_cases.tasks.create_task import CreateTask, CreateTaskCommand
from application.use_cases.tasks.delete_task import DeleteTask
from application.use_cases.tasks.get_task import GetTask, TaskReference
from application.use_cases.tasks.list_tasks import ListTasks, ListTasksQuery
from application.use_cases.tasks.update_task import UpdateTask, UpdateTaskCommand
from domain.tasks import Priority
from interfaces.http.dependencies import CurrentUser, SignedInReader, use_case
from interfaces.http.openapi import documented_by, errors
from interfaces.http.paging import Cursor, Limit, Search, page_response
from interfaces.http.schemas.common import PageResponse
from interfaces.http.schemas.tasks import CreateTaskRequest, TaskResponse, UpdateTaskRequest

router = APIRouter(prefix="/tasks", tags=["tasks"], responses=errors(401, 403))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskResponse,
    **documented_by(CreateTask),
)
@router.post(
    "/", status_code=status.HTTP_201_CREATED, response_model=TaskResponse, include_in_schema=False
)
async def create_task(
    body: CreateTaskRequest,
    user: CurrentUser,
    create: Annotated[CreateTask, Depends(use_case(lambda c: c.create_task()))],
) -> TaskResponse:
    task = await run_in_threadpool(
        create.execute, CreateTaskCommand(actor=user, **body.model_dump())
    )
    return TaskResponse.of(task)


@router.get(
    "", response_model=PageResponse[TaskResponse], responses=errors(400), **documented_by(ListTasks)
)
@router.get("/", response_model=PageResponse[TaskResponse], include_in_schema=False)
async def list_tasks(
    caller: SignedInReader,
    list_tasks: Annotated[ListTasks, Depends(use_case(lambda c: c.list_tasks()))],
    completed: bool | None = None,
    priority: Priority | None = None,
    due_before: date | None = None,
    search: Search = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> PageResponse[TaskResponse]:
    page = await caller.read(
        lambda user: list_tasks.execute(
            ListTasksQuery(
                actor=user,
                completed=completed,
                priority=priority,
                due_before=due_before,
                search=search,
                limit=limit,
                cursor=cursor,
            )
        ),
        # Filtered, the walk along the owner's index may pass many rows for each one it keeps.
        bounded=completed is None and priority is None and due_before is None and search is None,
    )
    return page_response(page, TaskResponse.of)


@router.get(
    "/{task_id}", response_model=TaskResponse, responses=errors(404), **documented_by(GetTask)
)
async def read_task(
    task_id: uuid.UUID,
    caller: SignedInReader,
    get_task: Annotated[GetTask, Depends(use_case(lambda c: c.get_task()))],
) -> TaskResponse:
    task = await caller.read(
        lambda user: get_task.execute(TaskReference(actor=user, task_id=task_id))
    )
    return TaskResponse.of(task)


@router.patch(
    "/{task_id}", response_model=TaskResponse, responses=errors(404), **documented_by(UpdateTask)
)
async def update_task(
    task_id: uuid.UUID,
    body: UpdateTaskRequest,
    user: CurrentUser,
    update: Annotated[UpdateTask, Depends(use_case(lambda c: c.update_task()))],
) -> TaskResponse:
    changes = body.model_dump(exclude_unset=True)
    task = await run_in_threadpool(
        update.execute, UpdateTaskCommand(actor=user, task_id=task_id, **changes)
    )
    return TaskResponse.of(task)


@router.delete(
    "/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404),
    **documented_by(DeleteTask),
)
async def delete_task(
    task_id: uuid.UUID,
    user: CurrentUser,
    delete: Annotated[DeleteTask, Depends(use_case(lambda c: c.delete_task()))],
) -> None:
    await run_in_threadpool(delete.execute, TaskReference(actor=user, task_id=task_id))
