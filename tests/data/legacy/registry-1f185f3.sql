CREATE TABLE alerts (
	id INTEGER NOT NULL, 
	tenant_id INTEGER NOT NULL, 
	site_id INTEGER, 
	dev_eui VARCHAR(16), 
	kind VARCHAR(40) NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	message TEXT NOT NULL, 
	evidence JSON NOT NULL, 
	started_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	ended_at DATETIME, 
	acknowledged_at DATETIME, 
	acknowledged_by VARCHAR(64), 
	PRIMARY KEY (id), 
	FOREIGN KEY(tenant_id) REFERENCES tenants (id), 
	FOREIGN KEY(site_id) REFERENCES sites (id)
);
INSERT INTO "alerts" VALUES(1,1,1,NULL,'silent_site','silent-site:1','all 4 devices of this site are silent: check the gateway that serves it or the building''s power.','{"devices": ["a81758fffe0a0001", "a81758fffe0a0002", "a81758fffe0a0003", "a81758fffe0a0004"]}','2026-03-01 10:00:00.000000','2026-03-01 10:00:00.000000',NULL,NULL,NULL);
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
INSERT INTO "api_keys" VALUES(1,'c6d61059','9a62b434d009ebdde39b28cbf20ebaa61910edf6e40e8b6734030306ae295bf0',1,'admin','legacy fixture','2026-12-05 04:54:05.189453',NULL);
CREATE TABLE api_usage (
	tenant_id BIGINT NOT NULL, 
	hour DATETIME NOT NULL, 
	requests BIGINT NOT NULL, 
	PRIMARY KEY (tenant_id, hour)
);
INSERT INTO "api_usage" VALUES(1,'2026-12-05 04:00:00.000000',1);
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(64) NOT NULL, 
	tenant_id BIGINT NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	target VARCHAR(200) NOT NULL, 
	counts JSON NOT NULL, 
	note VARCHAR(500) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "audit_log" VALUES(1,'2026-12-05 04:54:05.283874','cli',1,'export','town','{}','');
CREATE TABLE dead_letters (
	id INTEGER NOT NULL, 
	received_at DATETIME NOT NULL, 
	topic VARCHAR(500) NOT NULL, 
	body BLOB NOT NULL, 
	error TEXT NOT NULL, 
	source VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "dead_letters" VALUES(1,'2026-12-05 04:54:05.276166','application/x/device/y/event/up',X'7B6E6F74206A736F6E','MalformedEnvelope: test','');
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
INSERT INTO "device_link" VALUES('a81758fffe0a0002','2026-03-01 08:45:22.000000',5703,12,0,-99.0,7.8,98.0,NULL);
INSERT INTO "device_link" VALUES('a81758fffe0a0003','2026-03-01 08:48:49.000000',5703,12,0,-98.0,8.6,NULL,3.6);
INSERT INTO "device_link" VALUES('a81758fffe0a0004','2026-03-01 08:52:08.000000',5703,12,0,-97.0,9.2,80.0,NULL);
INSERT INTO "device_link" VALUES('a81758fffe0a0001','2026-03-01 08:58:16.000000',5703,12,0,-97.0,8.8,NULL,3.6);
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
	purpose VARCHAR(300), 
	operated_by VARCHAR(200), 
	installed_at DATE, 
	PRIMARY KEY (dev_eui), 
	FOREIGN KEY(tenant_id) REFERENCES tenants (id), 
	FOREIGN KEY(site_id) REFERENCES sites (id)
);
INSERT INTO "devices" VALUES('a81758fffe0a0001',1,1,'Mairie - eau froide (compteur général)','netvox/r718h','water','water_volume',0.001,65536.0,900,'{}','active',NULL,'2026-12-05 04:54:05.186127',NULL,NULL,NULL);
INSERT INTO "devices" VALUES('a81758fffe0a0002',1,1,'Mairie - électricité (TGBT)','milesight-iot/em300-di','electricity','energy_import',0.001,NULL,900,'{}','active',NULL,'2026-12-05 04:54:05.186129',NULL,NULL,NULL);
INSERT INTO "devices" VALUES('a81758fffe0a0003',1,1,'Mairie - salle du conseil','elsys/ers-co2',NULL,NULL,NULL,NULL,900,'{}','active',NULL,'2026-12-05 04:54:05.186130',NULL,NULL,NULL);
INSERT INTO "devices" VALUES('a81758fffe0a0004',1,1,'Mairie - station extérieure (toit)','laird/rs1xx-temp-rh-sensor',NULL,NULL,NULL,NULL,900,'{}','active',NULL,'2026-12-05 04:54:05.186131',NULL,NULL,NULL);
CREATE TABLE meter_replacements (
	id INTEGER NOT NULL, 
	dev_eui VARCHAR(16) NOT NULL, 
	quantity VARCHAR(64) NOT NULL, 
	channel VARCHAR(20) NOT NULL, 
	at DATETIME NOT NULL, 
	old_final_index FLOAT NOT NULL, 
	new_initial_index FLOAT NOT NULL, 
	note TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_version" VALUES(1,'2026-12-05 04:54:05.140582');
INSERT INTO "schema_version" VALUES(2,'2026-12-05 04:54:05.141204');
INSERT INTO "schema_version" VALUES(3,'2026-12-05 04:54:05.141416');
INSERT INTO "schema_version" VALUES(4,'2026-12-05 04:54:05.141538');
INSERT INTO "schema_version" VALUES(5,'2026-12-05 04:54:05.141714');
INSERT INTO "schema_version" VALUES(6,'2026-12-05 04:54:05.142098');
INSERT INTO "schema_version" VALUES(7,'2026-12-05 04:54:05.142730');
CREATE TABLE site_thresholds (
	site_id INTEGER NOT NULL, 
	overrides JSON NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (site_id), 
	FOREIGN KEY(site_id) REFERENCES sites (id)
);
INSERT INTO "site_thresholds" VALUES(1,'{"co2_max": 1400.0}','2026-12-05 04:54:05.193155');
CREATE TABLE site_weather (
	site_id INTEGER NOT NULL, 
	station VARCHAR(64), 
	dev_eui VARCHAR(16), 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (site_id), 
	FOREIGN KEY(site_id) REFERENCES sites (id)
);
INSERT INTO "site_weather" VALUES(1,'lyon-bron',NULL,'2026-12-05 04:54:05.194322');
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
INSERT INTO "sites" VALUES(1,1,'mairie','Mairie',NULL,45.764,4.8357,620.0,'office',0,'2026-12-05 04:54:05.183177');
CREATE TABLE store_edits (
	id INTEGER NOT NULL, 
	epoch BIGINT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "store_edits" VALUES(1,1);
CREATE TABLE tariffs (
	id INTEGER NOT NULL, 
	tenant_id INTEGER NOT NULL, 
	site_id INTEGER, 
	quantity VARCHAR(64) NOT NULL, 
	currency VARCHAR(3) NOT NULL, 
	price_per_unit FLOAT NOT NULL, 
	fixed_per_month FLOAT NOT NULL, 
	valid_from DATE, 
	periods JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(tenant_id) REFERENCES tenants (id), 
	FOREIGN KEY(site_id) REFERENCES sites (id)
);
INSERT INTO "tariffs" VALUES(1,1,NULL,'water_volume','EUR',4.52,0.0,NULL,'[]','2026-12-05 04:54:05.188423');
INSERT INTO "tariffs" VALUES(2,1,NULL,'energy_import','EUR',0.2516,0.0,NULL,'[{"name": "HC", "price_per_unit": 0.2068, "channel": null, "hours": [[22, 6]]}, {"name": "HP", "price_per_unit": 0.27, "channel": null, "hours": [[6, 22]]}]','2026-12-05 04:54:05.188423');
CREATE TABLE tenants (
	id INTEGER NOT NULL, 
	slug VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	is_owner BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (slug)
);
INSERT INTO "tenants" VALUES(1,'town','Town',1,'2026-12-05 04:54:05.181619');
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
INSERT INTO "uplinks" VALUES(1,'a81758fffe0a0002/fe0a0002/5692/e44d8d1f2fd7','a81758fffe0a0002',85,5692,X'01756205C8CE1077000367BC0004686E','2026-03-01 06:00:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-00000000163c", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -96.0, "snr": 9.4, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -112.0, "snr": 1.5, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(2,'a81758fffe0a0003/fe0a0003/5692/6e1b4f78b263','a81758fffe0a0003',5,5692,X'0100AD023004001205000601A4070E10','2026-03-01 06:03:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-00000000163c", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 8.8, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -107.0, "snr": 4.0, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(3,'a81758fffe0a0004/fe0a0004/5692/d331cb9a9159','a81758fffe0a0004',1,5692,X'0100005446040500000000','2026-03-01 06:07:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-00000000163c", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -96.0, "snr": 9.3, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -111.0, "snr": 2.2, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(4,'a81758fffe0a0001/fe0a0001/5692/010ad1d8878b','a81758fffe0a0001',6,5692,X'011F0124479A0000000000','2026-03-01 06:13:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-00000000163c", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -100.0, "snr": 7.7, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -108.0, "snr": 3.6, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(5,'a81758fffe0a0002/fe0a0002/5693/c09d04246bd9','a81758fffe0a0002',85,5693,X'01756205C8831377000367C900046872','2026-03-01 06:15:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-00000000163d", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -99.0, "snr": 7.9, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -110.0, "snr": 2.4, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(6,'a81758fffe0a0003/fe0a0003/5693/fdf5283d8d64','a81758fffe0a0003',5,5693,X'0100A8022B04001005000601A4070E10','2026-03-01 06:18:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-00000000163d", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -98.0, "snr": 8.7, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -108.0, "snr": 3.5, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(7,'a81758fffe0a0004/fe0a0004/5693/e20dfb8062c8','a81758fffe0a0004',1,5693,X'0100005246040500000000','2026-03-01 06:22:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-00000000163d", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -100.0, "snr": 7.7, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -107.0, "snr": 4.0, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(8,'a81758fffe0a0001/fe0a0001/5693/010ad1d8878b','a81758fffe0a0001',6,5693,X'011F0124479A0000000000','2026-03-01 06:28:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-00000000163d", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 9.0, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -111.0, "snr": 2.1, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(9,'a81758fffe0a0002/fe0a0002/5694/72facc5fed65','a81758fffe0a0002',85,5694,X'01756205C8371677000367C400046870','2026-03-01 06:30:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-00000000163e", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 9.1, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -108.0, "snr": 3.7, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(10,'a81758fffe0a0003/fe0a0003/5694/3e7b3fd2b529','a81758fffe0a0003',5,5694,X'0100AD022F04000F05000601A4070E10','2026-03-01 06:33:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-00000000163e", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 8.9, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -107.0, "snr": 4.0, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(11,'a81758fffe0a0004/fe0a0004/5694/86680db94317','a81758fffe0a0004',1,5694,X'0100005450040500000000','2026-03-01 06:37:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-00000000163e", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -100.0, "snr": 7.4, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -110.0, "snr": 2.7, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(12,'a81758fffe0a0001/fe0a0001/5694/010ad1d8878b','a81758fffe0a0001',6,5694,X'011F0124479A0000000000','2026-03-01 06:43:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-00000000163e", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -98.0, "snr": 8.4, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -105.0, "snr": 4.8, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(13,'a81758fffe0a0002/fe0a0002/5695/2ff6c458065d','a81758fffe0a0002',85,5695,X'01756205C8031977000367C900046876','2026-03-01 06:45:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-00000000163f", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -93.0, "snr": 10.0, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -105.0, "snr": 4.9, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(14,'a81758fffe0a0003/fe0a0003/5695/cdb1984baa45','a81758fffe0a0003',5,5695,X'0100A8022A04000805000601A4070E10','2026-03-01 06:48:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-00000000163f", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 8.8, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -106.0, "snr": 4.5, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(15,'a81758fffe0a0004/fe0a0004/5695/216712f4d692','a81758fffe0a0004',1,5695,X'010000561E050500000000','2026-03-01 06:52:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-00000000163f", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -96.0, "snr": 9.5, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -109.0, "snr": 3.1, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(16,'a81758fffe0a0001/fe0a0001/5695/010ad1d8878b','a81758fffe0a0001',6,5695,X'011F0124479A0000000000','2026-03-01 06:58:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-00000000163f", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -98.0, "snr": 8.5, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -112.0, "snr": 1.6, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(17,'a81758fffe0a0002/fe0a0002/5696/071a58046e22','a81758fffe0a0002',85,5696,X'01756205C8751B77000367BB0004686C','2026-03-01 07:00:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-000000001640", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -96.0, "snr": 9.5, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -109.0, "snr": 3.2, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(18,'a81758fffe0a0003/fe0a0003/5696/0936073e3334','a81758fffe0a0003',5,5696,X'0100A8022D04001205000601A4070E10','2026-03-01 07:03:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-000000001640", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -99.0, "snr": 7.8, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -110.0, "snr": 2.6, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(19,'a81758fffe0a0004/fe0a0004/5696/1608700ce4eb','a81758fffe0a0004',1,5696,X'0100005814050500000000','2026-03-01 07:07:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-000000001640", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -99.0, "snr": 8.1, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -110.0, "snr": 2.3, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(20,'a81758fffe0a0001/fe0a0001/5696/33604937c5c3','a81758fffe0a0001',6,5696,X'011F0124479B0000000000','2026-03-01 07:13:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-000000001640", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 9.0, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -112.0, "snr": 1.3, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(21,'a81758fffe0a0002/fe0a0002/5697/3ea80a5947bf','a81758fffe0a0002',85,5697,X'01756205C8F41D77000367C800046868','2026-03-01 07:15:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-000000001641", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -100.0, "snr": 7.7, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -109.0, "snr": 3.1, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(22,'a81758fffe0a0003/fe0a0003/5697/8fc921a3ea59','a81758fffe0a0003',5,5697,X'0100A8022B04001405000601A4070E10','2026-03-01 07:18:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-000000001641", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -100.0, "snr": 7.7, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -110.0, "snr": 2.6, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(23,'a81758fffe0a0004/fe0a0004/5697/8715edd04144','a81758fffe0a0004',1,5697,X'0100005200060500000000','2026-03-01 07:22:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-000000001641", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 9.2, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -110.0, "snr": 2.5, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(24,'a81758fffe0a0001/fe0a0001/5697/33604937c5c3','a81758fffe0a0001',6,5697,X'011F0124479B0000000000','2026-03-01 07:28:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-000000001641", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -96.0, "snr": 9.4, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -105.0, "snr": 5.1, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(25,'a81758fffe0a0002/fe0a0002/5698/d5cfbb3c0c7d','a81758fffe0a0002',85,5698,X'01756205C8BE2077000367CC0004686A','2026-03-01 07:30:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-000000001642", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -95.0, "snr": 9.8, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -111.0, "snr": 2.2, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(26,'a81758fffe0a0003/fe0a0003/5698/d28fd94f44f0','a81758fffe0a0003',5,5698,X'0100AA022D04000E05000601A4070E10','2026-03-01 07:33:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-000000001642", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -96.0, "snr": 9.4, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -105.0, "snr": 4.8, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(27,'a81758fffe0a0004/fe0a0004/5698/4b49043d68d5','a81758fffe0a0004',1,5698,X'0100005628060500000000','2026-03-01 07:37:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-000000001642", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -94.0, "snr": 10.0, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -111.0, "snr": 2.2, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(28,'a81758fffe0a0001/fe0a0001/5698/33604937c5c3','a81758fffe0a0001',6,5698,X'011F0124479B0000000000','2026-03-01 07:43:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-000000001642", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 8.9, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -109.0, "snr": 3.0, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(29,'a81758fffe0a0002/fe0a0002/5699/395e3610e4a0','a81758fffe0a0002',85,5699,X'01756205C8992377000367D000046870','2026-03-01 07:45:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-000000001643", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -95.0, "snr": 10.0, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -109.0, "snr": 2.8, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(30,'a81758fffe0a0003/fe0a0003/5699/a2d3be92bc3b','a81758fffe0a0003',5,5699,X'0100A8022F04000605000601A4070E10','2026-03-01 07:48:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-000000001643", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -98.0, "snr": 8.6, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -111.0, "snr": 2.0, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(31,'a81758fffe0a0004/fe0a0004/5699/df4a247e3799','a81758fffe0a0004',1,5699,X'010000515A050500000000','2026-03-01 07:52:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-000000001643", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -95.0, "snr": 9.9, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -108.0, "snr": 3.4, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(32,'a81758fffe0a0001/fe0a0001/5699/33604937c5c3','a81758fffe0a0001',6,5699,X'011F0124479B0000000000','2026-03-01 07:58:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-000000001643", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -98.0, "snr": 8.7, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -105.0, "snr": 5.2, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(33,'a81758fffe0a0002/fe0a0002/5700/44c7984303b9','a81758fffe0a0002',85,5700,X'01756205C8612677000367CE00046864','2026-03-01 08:00:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-000000001644", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -98.0, "snr": 8.5, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -108.0, "snr": 3.7, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(34,'a81758fffe0a0003/fe0a0003/5700/746073a120c7','a81758fffe0a0003',5,5700,X'0100A9022F04001005000601A4070E10','2026-03-01 08:03:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-000000001644", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -96.0, "snr": 9.5, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -109.0, "snr": 3.1, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(35,'a81758fffe0a0004/fe0a0004/5700/02831546693c','a81758fffe0a0004',1,5700,X'0100005450060500000000','2026-03-01 08:07:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-000000001644", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -98.0, "snr": 8.4, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -107.0, "snr": 4.0, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(36,'a81758fffe0a0001/fe0a0001/5700/33604937c5c3','a81758fffe0a0001',6,5700,X'011F0124479B0000000000','2026-03-01 08:13:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-000000001644", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -93.0, "snr": 10.0, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -105.0, "snr": 4.8, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(37,'a81758fffe0a0002/fe0a0002/5701/1b5a7fdb9409','a81758fffe0a0002',85,5701,X'01756205C8C22877000367C500046870','2026-03-01 08:15:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-000000001645", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -99.0, "snr": 8.0, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -109.0, "snr": 3.2, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(38,'a81758fffe0a0003/fe0a0003/5701/6f551d5aeabe','a81758fffe0a0003',5,5701,X'0100AB023004000F05000601A4070E10','2026-03-01 08:18:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-000000001645", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -94.0, "snr": 10.0, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -105.0, "snr": 4.9, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(39,'a81758fffe0a0004/fe0a0004/5701/288d1f55f506','a81758fffe0a0004',1,5701,X'0100005128060500000000','2026-03-01 08:22:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-000000001645", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -98.0, "snr": 8.3, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -107.0, "snr": 4.2, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(40,'a81758fffe0a0001/fe0a0001/5701/33604937c5c3','a81758fffe0a0001',6,5701,X'011F0124479B0000000000','2026-03-01 08:28:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-000000001645", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -93.0, "snr": 10.0, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -112.0, "snr": 1.5, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(41,'a81758fffe0a0002/fe0a0002/5702/a63ee9c6ca2e','a81758fffe0a0002',85,5702,X'01756205C8682B77000367C400046874','2026-03-01 08:30:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-000000001646", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -96.0, "snr": 9.4, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -106.0, "snr": 4.6, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(42,'a81758fffe0a0003/fe0a0003/5702/acf3c185c784','a81758fffe0a0003',5,5702,X'0100AB022C04001205000601A4070E10','2026-03-01 08:33:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-000000001646", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -98.0, "snr": 8.7, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -111.0, "snr": 2.2, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(43,'a81758fffe0a0004/fe0a0004/5702/cb5b9070113a','a81758fffe0a0004',1,5702,X'0100004F5A060500000000','2026-03-01 08:37:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-000000001646", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -93.0, "snr": 10.0, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -112.0, "snr": 1.3, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(44,'a81758fffe0a0001/fe0a0001/5702/ed4956f57d5f','a81758fffe0a0001',6,5702,X'011F0124479C0000000000','2026-03-01 08:43:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-000000001646", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 8.8, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -112.0, "snr": 1.4, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
INSERT INTO "uplinks" VALUES(45,'a81758fffe0a0002/fe0a0002/5703/16c14089effc','a81758fffe0a0002',85,5703,X'01756205C8B02D77000367C00004686A','2026-03-01 08:45:22.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0002", "device_name": "Mairie - \u00e9lectricit\u00e9 (TGBT)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0002-0000-000000001647", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -99.0, "snr": 7.8, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -110.0, "snr": 2.4, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'milesight-iot/em300-di@1',4,0);
INSERT INTO "uplinks" VALUES(46,'a81758fffe0a0003/fe0a0003/5703/9f029175077a','a81758fffe0a0003',5,5703,X'0100AD022B04000305000601A4070E10','2026-03-01 08:48:49.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0003", "device_name": "Mairie - salle du conseil", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0003-0000-000000001647", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -98.0, "snr": 8.6, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -110.0, "snr": 2.3, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'elsys/ers-co2@1',6,0);
INSERT INTO "uplinks" VALUES(47,'a81758fffe0a0004/fe0a0004/5703/85293f4e9470','a81758fffe0a0004',1,5703,X'0100004E14070500000000','2026-03-01 08:52:08.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0004", "device_name": "Mairie - station ext\u00e9rieure (toit)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0004-0000-000000001647", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 9.2, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -110.0, "snr": 2.5, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'laird/rs1xx-temp-rh-sensor@1',3,0);
INSERT INTO "uplinks" VALUES(48,'a81758fffe0a0001/fe0a0001/5703/ed4956f57d5f','a81758fffe0a0001',6,5703,X'011F0124479C0000000000','2026-03-01 08:58:16.000000','chirpstack_v4','legacy','{"dev_addr": "fe0a0001", "device_name": "Mairie - eau froide (compteur g\u00e9n\u00e9ral)", "application_id": "5f0b4b1e-0d6a-4d7c-9a55-2f7d0c7c1a01", "lns_event_id": "a81758ff-fe0a-0001-0000-000000001647", "confirmed": false, "spreading_factor": 7, "frequency_hz": 868100000, "encrypted": false, "receptions": [{"gateway_id": "7276ff002e0601f1", "rssi": -97.0, "snr": 8.8, "time": null, "latitude": 45.7601, "longitude": 4.8357}, {"gateway_id": "7276ff002e0601f2", "rssi": -106.0, "snr": 4.4, "time": null, "latitude": 45.7712, "longitude": 4.848}]}','decoded',NULL,'netvox/r718h@1',2,0);
CREATE TABLE weather_observations (
	tenant_id INTEGER NOT NULL, 
	station VARCHAR(64) NOT NULL, 
	ts DATETIME NOT NULL, 
	temperature FLOAT NOT NULL, 
	PRIMARY KEY (tenant_id, station, ts), 
	FOREIGN KEY(tenant_id) REFERENCES tenants (id)
);
INSERT INTO "weather_observations" VALUES(1,'lyon-bron','2026-03-01 06:00:00.000000',4.0);
INSERT INTO "weather_observations" VALUES(1,'lyon-bron','2026-03-01 07:00:00.000000',5.0);
INSERT INTO "weather_observations" VALUES(1,'lyon-bron','2026-03-01 08:00:00.000000',6.0);
INSERT INTO "weather_observations" VALUES(1,'lyon-bron','2026-03-01 09:00:00.000000',7.0);
INSERT INTO "weather_observations" VALUES(1,'lyon-bron','2026-03-01 10:00:00.000000',8.0);
INSERT INTO "weather_observations" VALUES(1,'lyon-bron','2026-03-01 11:00:00.000000',9.0);
CREATE INDEX ix_uplinks_device_time ON uplinks (dev_eui, received_at);
CREATE INDEX ix_uplinks_state ON uplinks (state);
CREATE INDEX ix_device_alarms_dev_eui ON device_alarms (dev_eui);
CREATE INDEX ix_meter_replacements_dev_eui ON meter_replacements (dev_eui);
CREATE INDEX ix_audit_log_tenant_id ON audit_log (tenant_id);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_sites_tenant_id ON sites (tenant_id);
CREATE INDEX ix_weather_station_time ON weather_observations (tenant_id, station);
CREATE INDEX ix_devices_tenant_id ON devices (tenant_id);
CREATE INDEX ix_devices_site_id ON devices (site_id);
CREATE INDEX ix_alerts_tenant_id ON alerts (tenant_id);
CREATE INDEX ix_alerts_open ON alerts ("key", ended_at);
CREATE INDEX ix_tariffs_tenant_id ON tariffs (tenant_id);
CREATE INDEX ix_tariffs_site_id ON tariffs (site_id);
