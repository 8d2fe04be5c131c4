# The node image with the pod images it carries already in its Docker image store: scripts/images.sh
# builds this FROM the node image it has just built, adding the store (/var/lib/docker's image and
# overlay2 folders) that image's own dockerd made from the host's `docker save` of them. A node's new
# volume at /var/lib/docker starts as a copy of it (Docker fills an empty volume, named or anonymous,
# from the image): its dockerd has the pod images at once, without seconds of `docker load` (which
# holds up every container create meanwhile). Measured faster than a cp in the entrypoint. The
# all-in-one (images/allinone), built FROM the node image, carries the same store.
ARG IMAGE=minik8s/node
FROM ${IMAGE}
ADD docker-seed.tar /var/lib/docker/
