//! A plain submission end to end, through the spec's client: form list, download, HEAD,
//! a submission with two media files split over two POSTs, the same instance again.

use super::*;

#[tokio::test]
async fn a_client_lists_downloads_and_submits_split_over_two_posts_once() {
    let field = Field::new().await;
    let published = field.publish(&xform("intake", "2024010101"), false).await;
    let form = expect(published, 201, "publish").await;
    assert_eq!(form["form_id"], "intake");
    assert_eq!(form["version"], "2024010101");
    assert_eq!(form["title"], "Testimony intake");

    let list = field.client(&["formlist"]);
    assert_eq!(list["status"], 200, "{list}");
    assert_eq!(list["openrosa_version"], "1.0");
    let forms = list["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 1);
    assert_eq!(forms[0]["formID"], "intake");
    assert_eq!(forms[0]["version"], "2024010101");
    assert_eq!(forms[0]["hash"], form["hash"]);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("form.xml");
    let url = forms[0]["downloadUrl"].as_str().unwrap().to_owned();
    let got = field.client(&["download", &url, out.to_str().unwrap()]);
    assert_eq!(got["status"], 200, "{got}");
    assert_eq!(got["md5"], forms[0]["hash"], "the hash names the XML served");

    let head = field.client(&["head"]);
    assert_eq!(head["status"], 204, "{head}");
    assert_eq!(head["openrosa_version"], "1.0");
    assert!(head["accept_content_length"].as_str().unwrap().parse::<u64>().unwrap() > 0);
    assert!(head["www_authenticate"].is_null());

    let iid = format!("uuid:{}", uuid::Uuid::new_v4());
    let photo = vec![7u8; 70_000];
    let (_d, xml, media) = files(
        &instance("intake", "2024010101", &iid, "He was held for three days."),
        &[("photo.jpg", &photo), ("voice.m4a", b"not really audio")],
    );
    let (xml, m0, m1) = (xml.to_str().unwrap(), media[0].to_str().unwrap(), media[1].to_str().unwrap());
    let sent = field.client(&["submit", xml, m0, m1, "--split", "1"]);
    let posts = sent["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 2, "{sent}");
    for p in posts {
        assert_eq!(p["status"], 201, "{sent}");
        assert_eq!(p["openrosa_version"], "1.0");
        assert!(p["message"].as_str().is_some(), "an OpenRosaResponse: {p}");
    }
    assert_eq!(stored(&field.app, &field.case).await, (1, 2, vec!["pending".to_owned()]));

    // Sent again (the phone lost the answer): accepted, nothing stored twice.
    let again = field.client(&["submit", xml, m0, m1]);
    assert_eq!(again["posts"][0]["status"], 202, "{again}");
    assert_eq!(stored(&field.app, &field.case).await, (1, 2, vec!["pending".to_owned()]));

    let actions = field.app.audit_actions().await;
    for a in ["intake.form_publish", "intake.form_read", "intake.open", "intake.file", "intake.submission"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
}
