// The person's latest photo with the day it was taken (DOMAIN.md §9: a photo summary on every
// screen). The file view names it; the image is fetched on its own (audited as a view) and
// shown from a data: URL. No photo, or none this officer may see: the drawn placeholder.
// A supervisor of the directorate voids a wrong photo with a reason (never their own: the
// Rust side answers own_work); it stays in the registry, marked, and the one before shows.
import { useEffect, useState } from "react";
import type { Photo } from "../generated/Photo";
import type { PhotoImage } from "../generated/PhotoImage";
import { useBackend } from "../backend/context";
import { isoToDisplay } from "../dates";
import { useI18n } from "../i18n";
import { useAnnounce } from "../status";
import { dataUrl } from "../photo";
import { PhotoPlaceholder } from "./PhotoPlaceholder";
import { VoidForm } from "./VoidForm";

/** The image of a photo, once fetched; `failed` when it could not be. */
export function usePhotoImage(photoId: string | null): { image: PhotoImage | null; failed: boolean } {
  const backend = useBackend();
  const [state, setState] = useState<{ id: string | null; image: PhotoImage | null; failed: boolean }>({ id: null, image: null, failed: false });
  useEffect(() => {
    if (!photoId) return;
    let live = true;
    backend.getPhoto(photoId).then(
      (image) => live && setState({ id: photoId, image, failed: false }),
      () => live && setState({ id: photoId, image: null, failed: true }),
    );
    return () => {
      live = false;
    };
  }, [backend, photoId]);
  return state.id === photoId ? state : { image: null, failed: false };
}

export function PersonPhoto({
  photo,
  mayView,
  mayVoid = false,
  onVoided,
}: {
  photo: Photo | null;
  mayView: boolean;
  /** A supervisor of the file's directorate (the role table's confirm_record). */
  mayVoid?: boolean;
  onVoided?(): void;
}) {
  const backend = useBackend();
  const announce = useAnnounce();
  const { t } = useI18n();
  const [voiding, setVoiding] = useState(false);
  const { image, failed } = usePhotoImage(photo && mayView ? photo.id : null);
  if (!photo) return <PhotoPlaceholder label={t("noPhoto")} />;
  const date = isoToDisplay(photo.taken_on);
  if (!mayView) return <PhotoPlaceholder label={t("photoOf", { date })} note={t("photoNotShown")} />;
  if (failed) return <PhotoPlaceholder label={t("photoOf", { date })} note={t("photoUnavailable")} />;
  if (!image) return <PhotoPlaceholder label={t("photoOf", { date })} />;
  return (
    <figure className="photo" data-testid="person-photo" data-photo-id={photo.id}>
      <img className="photo__img" src={dataUrl(image.photo.media_type, image.data_base64)} alt={t("photoOf", { date })} />
      <figcaption className="photo__caption" data-testid="person-photo-date">
        {date}
      </figcaption>
      {mayVoid && !voiding && (
        <button type="button" className="link-button" data-testid="photo-void" onClick={() => setVoiding(true)}>
          {t("photoVoid")}
        </button>
      )}
      {mayVoid && voiding && (
        <VoidForm
          path={`photo-void.${photo.id}.reason`}
          testId="photo-void"
          submitLabel="photoVoid"
          send={(reason) => backend.voidPhoto(photo.id, reason)}
          onCancel={() => setVoiding(false)}
          onDone={() => {
            announce(t("photoVoided"));
            setVoiding(false);
            onVoided?.();
          }}
        />
      )}
    </figure>
  );
}

/** A check-in's photo on the timeline: a link that shows it inline, on demand. */
export function CheckInPhoto({ photoId, date }: { photoId: string; date: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const { image, failed } = usePhotoImage(open ? photoId : null);
  return (
    <span className="check-in-photo">
      <button
        type="button"
        className="link-button"
        data-testid="check-in-photo"
        aria-expanded={open}
        aria-label={open ? t("photoHide") : t("photoShowLabel", { date })}
        onClick={() => setOpen((o) => !o)}
      >
        {open ? t("photoHide") : t("photoShow")}
      </button>
      {open && failed && <span className="note"> {t("photoUnavailable")}</span>}
      {open && image && (
        <img
          className="photo__thumb"
          data-testid="check-in-photo-image"
          src={dataUrl(image.photo.media_type, image.data_base64)}
          alt={t("photoOf", { date })}
        />
      )}
    </span>
  );
}
