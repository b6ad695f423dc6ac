CREATE TABLE api_keys (
	id INTEGER NOT NULL, 
	prefix VARCHAR(16) NOT NULL, 
	secret_hash VARCHAR(128) NOT NULL, 
	tenant_id INTEGER NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (prefix), 
	FOREIGN KEY(tenant_id) REFERENCES tenants (id)
);
INSERT INTO "api_keys" VALUES(1,'1618cdf5','35053008bea16f5b11c4b325362c0eb7a20760b7930073da0b52caea4e323522',1,'admin','legacy fixture','2026-12-05 04:53:59.829596',NULL);
CREATE TABLE dead_letters (
	id INTEGER NOT NULL, 
	received_at DATETIME NOT NULL, 
	topic VARCHAR(500) NOT NULL, 
	body BLOB NOT NULL, 
	error TEXT NOT NULL, 
	source VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "dead_letters" VALUES(1,'2026-12-05 04:53:59.831761','application/x/device/y/event/up',X'7B6E6F74206A736F6E','MalformedEnvelope: test','');
CREATE TABLE device_alarms (
	id INTEGER NOT NULL, 
	dev_eui VARCHAR(16) NOT NULL, 
	uplink_id BIGINT, 
	kind VARCHAR(40) NOT NULL, 
	channel VARCHAR(20) NOT NULL, 
	detail TEXT NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (uplink_id, kind, channel)
);
CREATE TABLE device_link (
	dev_eui VARCHAR(16) NOT NULL, 
	last_seen DATETIME NOT NULL, 
	last_f_cnt BIGINT, 
	frames BIGINT NOT NULL, 
	lost BIGINT NOT NULL, 
	last_rssi FLOAT, 
	last_snr FLOAT, 
	battery_level FLOAT, 
	battery_voltage FLOAT, 
	PRIMARY KEY (dev_eui)
);
CREATE TABLE devices (
	dev_eui VARCHAR(16) NOT NULL, 
	tenant_id INTEGER NOT NULL, 
	site_id INTEGER, 
	name VARCHAR(200) NOT NULL, 
	model VARCHAR(120) NOT NULL, 
	metering_point VARCHAR(120), 
	pulse_quantity VARCHAR(64), 
	pulse_weight FLOAT, 
	register_max FLOAT, 
	expected_interval_s INTEGER, 
	tags JSON NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	app_skey_wrapped BLOB, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (dev_eui), 
	FOREIGN KEY(tenant_id) REFERENCES tenants (id), 
	FOREIGN KEY(site_id) REFERENCES sites (id)
);
INSERT INTO "devices" VALUES('a81758fffe0a0001',1,1,'Mairie - eau','netvox/r718h','water','water_volume',0.001,65536.0,NULL,'{}','active',NULL,'2026-12-05 04:53:59.820614');
INSERT INTO "devices" VALUES('a81758fffe0a0003',1,1,'Mairie - salle du conseil','elsys/ers-co2',NULL,NULL,NULL,NULL,NULL,'{}','active',NULL,'2026-12-05 04:53:59.820615');
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_version" VALUES(1,'2026-12-05 04:53:59.812903');
CREATE TABLE sites (
	id INTEGER NOT NULL, 
	tenant_id INTEGER NOT NULL, 
	slug VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	address VARCHAR(300), 
	latitude FLOAT, 
	longitude FLOAT, 
	floor_area_m2 FLOAT, 
	use VARCHAR(64), 
	open_data BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (tenant_id, slug), 
	FOREIGN KEY(tenant_id) REFERENCES tenants (id)
);
INSERT INTO "sites" VALUES(1,1,'mairie','Mairie',NULL,NULL,NULL,620.0,'office',0,'2026-12-05 04:53:59.820048');
CREATE TABLE tenants (
	id INTEGER NOT NULL, 
	slug VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	is_owner BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (slug)
);
INSERT INTO "tenants" VALUES(1,'town','Town',1,'2026-12-05 04:53:59.818796');
CREATE TABLE uplinks (
	id INTEGER NOT NULL, 
	dedup_key VARCHAR(200) NOT NULL, 
	dev_eui VARCHAR(16) NOT NULL, 
	f_port INTEGER NOT NULL, 
	f_cnt BIGINT, 
	payload BLOB NOT NULL, 
	received_at DATETIME NOT NULL, 
	lns VARCHAR(32) NOT NULL, 
	source VARCHAR(64) NOT NULL, 
	meta JSON NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	error TEXT, 
	decoder VARCHAR(160), 
	readings INTEGER NOT NULL, 
	duplicates INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (dedup_key)
);
INSERT INTO "uplinks" VALUES(1,'a81758fffe0a0001/-/0/34c0f4239152','a81758fffe0a0001',6,0,X'010000','2026-03-01 06:00:00.000000','chirpstack_v4','legacy','{"dev_addr": null, "device_name": null, "application_id": null, "lns_event_id": null, "confirmed": false, "spreading_factor": null, "frequency_hz": null, "encrypted": false, "receptions": []}','pending',NULL,NULL,0,0);
INSERT INTO "uplinks" VALUES(2,'a81758fffe0a0001/-/1/76f732175ee9','a81758fffe0a0001',6,1,X'010001','2026-03-01 06:15:00.000000','chirpstack_v4','legacy','{"dev_addr": null, "device_name": null, "application_id": null, "lns_event_id": null, "confirmed": false, "spreading_factor": null, "frequency_hz": null, "encrypted": false, "receptions": []}','pending',NULL,NULL,0,0);
INSERT INTO "uplinks" VALUES(3,'a81758fffe0a0001/-/2/a0fb90afb92f','a81758fffe0a0001',6,2,X'010002','2026-03-01 06:30:00.000000','chirpstack_v4','legacy','{"dev_addr": null, "device_name": null, "application_id": null, "lns_event_id": null, "confirmed": false, "spreading_factor": null, "frequency_hz": null, "encrypted": false, "receptions": []}','pending',NULL,NULL,0,0);
INSERT INTO "uplinks" VALUES(4,'a81758fffe0a0001/-/3/a861cc6a288a','a81758fffe0a0001',6,3,X'010003','2026-03-01 06:45:00.000000','chirpstack_v4','legacy','{"dev_addr": null, "device_name": null, "application_id": null, "lns_event_id": null, "confirmed": false, "spreading_factor": null, "frequency_hz": null, "encrypted": false, "receptions": []}','pending',NULL,NULL,0,0);
CREATE INDEX ix_uplinks_device_time ON uplinks (dev_eui, received_at);
CREATE INDEX ix_uplinks_state ON uplinks (state);
CREATE INDEX ix_device_alarms_dev_eui ON device_alarms (dev_eui);
CREATE INDEX ix_sites_tenant_id ON sites (tenant_id);
CREATE INDEX ix_devices_tenant_id ON devices (tenant_id);
CREATE INDEX ix_devices_site_id ON devices (site_id);
