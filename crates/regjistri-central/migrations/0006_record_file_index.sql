-- Version 6: records, notices and photos found by their file.
--
-- A file fetched online by another directorate's station carries its records and notices
-- (so that the station can judge whether the person is registered), and a file deleted
-- centrally takes its records and photos with it. Both look these up by the file id inside
-- their document; without this index each was a scan of every record in the country.
CREATE INDEX record_file_id ON record ((document->>'file_id'))
    WHERE entity IN ('file_record', 'rule_notice', 'photo');
