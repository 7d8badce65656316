package org.parley.edge.devices;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.http.RouteModule;

/**
 * Registration and devices: {@code POST /v1/registration/code}, {@code POST /v1/devices} (register a primary with
 * a code), {@code PUT|DELETE /v1/registration-lock}, {@code POST /v1/devices/link}, {@code GET /v1/devices},
 * {@code PUT|GET /v1/devices/provisioning/{linkId}} and {@code DELETE /v1/devices/{deviceId}}
 * ({@link DeviceRegistration}). Registering and taking a provisioning message need no token; the rest do.
 */
public final class DeviceRoutes implements RouteModule {
    private final DeviceRegistration devices;

    public DeviceRoutes(DeviceRegistration devices) {
        this.devices = devices;
    }

    @Override
    public void mount(Router router, BearerAuthentication auth) {
        router.post("/v1/registration/code").handler(BodyHandler.create().setBodyLimit(4096)).handler(devices::requestCode);
        router.post("/v1/devices").handler(BodyHandler.create().setBodyLimit(4096)).handler(devices::registerPrimary);
        router.put("/v1/registration-lock").handler(BodyHandler.create().setBodyLimit(4096)).handler(auth)
                .handler(devices::setRegistrationLock);
        router.delete("/v1/registration-lock").handler(auth).handler(devices::removeRegistrationLock);
        router.post("/v1/devices/link").handler(auth).handler(devices::link);
        router.get("/v1/devices").handler(auth).handler(devices::list);
        // The body is checked before the token: a malformed message is refused without a look-up.
        router.put("/v1/devices/provisioning/:linkId").handler(BodyHandler.create().setBodyLimit(16 * 1024))
                .handler(devices::checkProvisioning).handler(auth).handler(devices::putProvisioning);
        router.get("/v1/devices/provisioning/:linkId").handler(devices::takeProvisioning);
        router.delete("/v1/devices/:deviceId").handler(devices::checkUnlink).handler(auth).handler(devices::unlink);
    }
}
