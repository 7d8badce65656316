package org.parley.edge.http;

import io.vertx.ext.web.Router;

/**
 * One concern's HTTP routes (registration, devices, keys, media, push subscription, settings, the WebSocket). The
 * edge's router is assembled from these in one place; a module only adds its routes, putting {@code auth} in front
 * of those that need a device. Called once per verticle instance: it must not change the module's own state.
 */
@FunctionalInterface
public interface RouteModule {
    void mount(Router router, BearerAuthentication auth);
}
