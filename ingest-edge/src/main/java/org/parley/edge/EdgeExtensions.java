package org.parley.edge;

import org.parley.edge.devices.DeviceRegistration;
import org.parley.edge.session.SessionExtension;
import org.parley.edge.settings.SettingsEndpoint;

/** What the edge serves beside the message path: device linking, settings, and the per-session typing and presence. */
public record EdgeExtensions(DeviceRegistration devices, SettingsEndpoint settings, SessionExtension session) {
}
