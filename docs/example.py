from starlette_c.applications import Starlette
from starlette_c.responses import JSONResponse
from starlette_c.routing import Route


async def homepage(request):
    return JSONResponse({"hello": "world"})


routes = [
    Route("/", endpoint=homepage),
]

app = Starlette(debug=True, routes=routes)
