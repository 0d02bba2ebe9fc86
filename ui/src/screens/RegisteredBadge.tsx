// Whether the person is registered, as Rust judged it: an approved version stands and the
// person is not removed, deceased or past the registration period. The same badge for a
// file of this station and for another directorate's file fetched from the server.
import { useI18n } from "../i18n";

export function RegisteredBadge({ registered }: { registered: boolean }) {
  const { t } = useI18n();
  return (
    <span
      className={registered ? "badge badge--registered" : "badge badge--unregistered"}
      data-testid="registered-badge"
      data-registered={registered ? "true" : "false"}
    >
      {registered ? t("registered") : t("notRegistered")}
    </span>
  );
}
